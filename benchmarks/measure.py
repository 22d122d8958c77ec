"""Peak memory and time, measured inside the process that does the work.

Peak memory is the resident set's high-water mark above a baseline taken just before the operation.
On Linux the kernel keeps that mark (``VmHWM`` in ``/proc/self/status``) and lets a process reset it
to the current RSS by writing ``5`` to ``/proc/self/clear_refs``: a reset right before the operation
makes ``VmHWM - VmRSS(before)`` the operation's own peak, exact and free of sampling gaps. Where the
reset is not allowed, a thread samples ``VmRSS`` every few milliseconds instead (it can miss a
spike shorter than its interval, so it is the fallback, and the result says which method was used).
"""

from __future__ import annotations

import gc
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

MIB = 1024 * 1024
_STATUS = "/proc/self/status"
_SAMPLE_INTERVAL = 0.002


def _status_kib(field_name: str) -> int:
    with open(_STATUS) as status:
        match = re.search(rf"^{field_name}:\s+(\d+) kB", status.read(), re.MULTILINE)
    if match is None:
        raise RuntimeError(f"{_STATUS} has no {field_name}: peak memory needs Linux")
    return int(match.group(1))


def _reset_high_water_mark() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


@dataclass
class PeakMemory:
    """Filled in when the ``peak_memory()`` block ends."""

    baseline_kib: int = 0
    peak_kib: int = 0
    method: str = ""

    @property
    def above_baseline_mib(self) -> float:
        return max(0, self.peak_kib - self.baseline_kib) / 1024


@dataclass
class _Sampler:
    peak_kib: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak_kib = max(self.peak_kib, _status_kib("VmRSS"))
            time.sleep(_SAMPLE_INTERVAL)


@contextmanager
def peak_memory() -> Iterator[PeakMemory]:
    """Measure the RSS high-water mark of the block above the RSS just before it."""
    gc.collect()
    result = PeakMemory(baseline_kib=_status_kib("VmRSS"))
    sampler: _Sampler | None = None
    thread: threading.Thread | None = None
    if _reset_high_water_mark():
        result.method = "VmHWM after clear_refs"
    else:
        result.method = f"VmRSS sampled every {_SAMPLE_INTERVAL * 1000:g} ms"
        sampler = _Sampler(peak_kib=result.baseline_kib)
        thread = threading.Thread(target=sampler.run, daemon=True)
        thread.start()
    try:
        yield result
    finally:
        if sampler is not None and thread is not None:
            sampler.stop.set()
            thread.join()
            result.peak_kib = max(sampler.peak_kib, _status_kib("VmRSS"))
        else:
            result.peak_kib = _status_kib("VmHWM")


class Stopwatch:
    """Wall-clock time from creation, with an optional first-byte mark, and the process's CPU time.

    CPU time counts every thread of this process (b2sdk uploads parts in threads) and nothing of the B2
    server's: on a shared machine it is the figure that other jobs do not move, where wall-clock time
    swings with them.
    """

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self._cpu_started = time.process_time()
        self.first_byte: float | None = None
        self.stopped: float | None = None
        self.cpu_seconds: float | None = None

    def mark_first_byte(self) -> None:
        if self.first_byte is None:
            self.first_byte = time.perf_counter() - self.started

    def stop(self) -> float:
        self.stopped = time.perf_counter() - self.started
        self.cpu_seconds = time.process_time() - self._cpu_started
        return self.stopped


def cpu_ms_per_mib(cpu_seconds: float | None, size: int) -> float | None:
    """Milliseconds of this process's CPU per MiB moved."""
    return round(cpu_seconds * 1000 / (size / MIB), 3) if cpu_seconds is not None and size else None
