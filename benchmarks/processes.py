"""Other processes' figures, from ``/proc``: children, CPU time, resident memory (Linux only)."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def parents() -> dict[int, int]:
    """Every process's parent, by pid."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                # "pid (command) state ppid ...": the command may hold spaces and parentheses.
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # exited meanwhile
            found[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
    return found


def children(pid: int) -> list[int]:
    return sorted(child for child, parent in parents().items() if parent == pid)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of one process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime (fields 14 and 15 of stat)


def rss_bytes(pid: int) -> int:
    """A process's resident memory, from /proc/<pid>/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise LookupError(f"no VmRSS for process {pid}")


class RssSampler:
    """The highest resident memory of each of ``pids`` while the ``with`` block runs, sampled every
    ``interval`` seconds (and once at each end)."""

    def __init__(self, pids: list[int], interval: float = 0.02) -> None:
        self.pids = pids
        self.interval = interval
        self.peak: dict[int, int] = dict.fromkeys(pids, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        for pid in self.pids:
            with contextlib.suppress(OSError, LookupError):  # gone: the caller notices the missing worker
                self.peak[pid] = max(self.peak[pid], rss_bytes(pid))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> RssSampler:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
