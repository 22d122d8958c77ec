from __future__ import annotations

from collections.abc import Iterator

import pytest

from django_backblaze_b2.testing import SimulatedB2, simulated_b2

pytest_plugins = ["django_backblaze_b2.testing.pytest_plugin"]


@pytest.fixture(autouse=True)
def b2() -> Iterator[SimulatedB2]:
    """Every test gets a fresh simulated B2 (overrides the plugin's fixture to make it automatic)."""
    with simulated_b2() as simulated:
        yield simulated


@pytest.fixture
def small_parts_b2() -> Iterator[SimulatedB2]:
    """A simulated B2 with 5 MB recommended parts, so a file over 10 MB goes up in several parts."""
    with simulated_b2(recommended_part_size=5_000_000) as simulated:
        yield simulated
