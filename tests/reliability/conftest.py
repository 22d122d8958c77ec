"""The reliability suite: faults, concurrency, load, hostile input and secrets, over real HTTP.

Each test group adds its figures to a :class:`Tally`; ``pytest_terminal_summary`` prints one line
per group at the end of the run (whatever ``-s``/``-rA`` say), e.g.::

    reliability faults: 412 B2 calls, 96 faults injected, 131 operations succeeded, 57 files verified, 96 5xx
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from django_backblaze_b2.testing import SimulatedB2, simulated_b2

PART = 5_000_000  # the served simulator's recommended part size: a file over 10 MB goes up in parts


@dataclass
class Tally:
    """What one group of reliability tests did, for the summary line."""

    calls: int = 0
    faults: int = 0
    succeeded: int = 0
    verified: int = 0
    server_errors: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    def line(self, group: str) -> str:
        figures = (
            f"{self.calls} B2 calls, {self.faults} faults injected, {self.succeeded} operations succeeded, "
            f"{self.verified} files verified, {self.server_errors} 5xx"
        )
        extra = "".join(f", {key} {value}" for key, value in self.extra.items())
        return f"reliability {group}: {figures}{extra}"


_tallies: dict[str, Tally] = {}


def tally_for(group: str) -> Tally:
    return _tallies.setdefault(group, Tally())


@pytest.fixture
def tally(request: pytest.FixtureRequest) -> Tally:
    """The tally of the test's group: the module name without ``test_``."""
    return tally_for(request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_"))


@pytest.fixture
def served(tally: Tally) -> Iterator[SimulatedB2]:
    """A fresh simulated B2 behind a local B2 server thread (5 MB parts): storages talk HTTP to it.

    Its calls (and the 5xx it answered) are added to the group's tally when the test ends.
    """
    with simulated_b2(recommended_part_size=PART, served=True) as b2:
        yield b2
        tally.calls += b2.calls.total


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _tallies:
        return
    terminalreporter.section("reliability figures")
    for group, tally in sorted(_tallies.items()):
        terminalreporter.write_line(tally.line(group))
