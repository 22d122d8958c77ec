from __future__ import annotations

from collections.abc import Iterator

import pytest

from django_backblaze_b2.testing import SimulatedB2, simulated_b2

pytest_plugins = ["django_backblaze_b2.testing.pytest_plugin"]


def served(request: pytest.FixtureRequest) -> bool:
    """``pytest --b2-server`` (an option of the plugin) serves the simulated B2 over HTTP."""
    return bool(request.config.getoption("--b2-server"))


@pytest.fixture(autouse=True)
def b2(request: pytest.FixtureRequest) -> Iterator[SimulatedB2]:
    """Every test gets a fresh simulated B2 (overrides the plugin's fixture to make it automatic).

    ``pytest --b2-server`` serves it over HTTP from a local B2 server thread.
    """
    with simulated_b2(served=served(request)) as simulated:
        yield simulated


@pytest.fixture
def small_parts_b2(request: pytest.FixtureRequest) -> Iterator[SimulatedB2]:
    """A simulated B2 with 5 MB recommended parts, so a file over 10 MB goes up in several parts."""
    with simulated_b2(recommended_part_size=5_000_000, served=served(request)) as simulated:
        yield simulated
