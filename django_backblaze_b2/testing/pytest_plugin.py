"""pytest fixtures for projects using django-backblaze-b2.

Enable with ``pytest_plugins = ["django_backblaze_b2.testing.pytest_plugin"]`` in ``conftest.py``
and set ``BACKBLAZE_CONFIG["simulator"] = True`` in your test settings.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from . import SimulatedB2, simulated_b2


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--b2-server",
        action="store_true",
        help="django-backblaze-b2: serve the simulated B2 over HTTP (a local B2 server thread) instead of "
        "calling it in process, so tests take b2sdk's real HTTP path.",
    )


def served(config: pytest.Config) -> bool:
    return bool(config.getoption("--b2-server", default=False))


@pytest.fixture
def b2(request: pytest.FixtureRequest) -> Iterator[SimulatedB2]:
    """A fresh, empty simulated B2 for one test; ``b2.calls`` counts B2 API calls by name."""
    with simulated_b2(served=served(request.config)) as simulated:
        yield simulated
