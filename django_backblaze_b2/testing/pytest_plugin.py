"""pytest fixtures for projects using django-backblaze-b2.

Enable with ``pytest_plugins = ["django_backblaze_b2.testing.pytest_plugin"]`` in ``conftest.py``
and set ``BACKBLAZE_CONFIG["simulator"] = True`` in your test settings.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from . import SimulatedB2, simulated_b2


@pytest.fixture
def b2() -> Iterator[SimulatedB2]:
    """A fresh, empty simulated B2 for one test; ``b2.calls`` counts B2 API calls by name."""
    with simulated_b2() as simulated:
        yield simulated
