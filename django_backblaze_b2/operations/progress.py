"""A progress line for long runs: redrawn in place on a terminal, one line every N files otherwise.

It shows files by outcome, the bytes of each outcome apart (copied bytes are not skipped bytes),
the rate of the work done, and an ETA when the number of files is known::

    1200/5000 files (1000 copied, 200 skipped), 1.2 GB copied, 300.0 MB skipped, 4.0 MB/s, 40 files/s, ETA 1m35s
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Collection


def human_bytes(size: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def human_duration(seconds: float) -> str:
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes, seconds = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02}m"


#: Outcomes that moved no bytes: their bytes are shown, but not counted in the rate.
IDLE_OUTCOMES = frozenset({"skipped", "unmodified", "kept", "failed", "would copy", "pretended"})


class Progress:
    """Counts files and bytes by outcome, and shows them through ``write`` (text as is, no newline added).

    ``tty``: redraw one line in place (at most every ``min_interval`` seconds); otherwise print a line
    every ``every`` files, which reads well in a log. ``total_files`` (0: unknown) gives the ETA.
    """

    def __init__(
        self,
        write: Callable[[str], object],
        *,
        tty: bool,
        total_files: int = 0,
        every: int = 500,
        min_interval: float = 0.2,
        idle: Collection[str] = IDLE_OUTCOMES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.write = write
        self.tty = tty
        self.total_files = total_files
        self.every = every
        self.min_interval = min_interval
        self.idle = idle
        self.clock = clock
        self.counts: Counter[str] = Counter()
        self.bytes: Counter[str] = Counter()
        self.files_done = 0
        self._started = clock()
        self._last_draw = float("-inf")

    @property
    def bytes_done(self) -> int:
        return sum(self.bytes.values())

    @property
    def bytes_moved(self) -> int:
        return sum(size for outcome, size in self.bytes.items() if outcome not in self.idle)

    def update(self, outcome: str, size: int = 0) -> None:
        self.counts[outcome] += 1
        self.bytes[outcome] += size
        self.files_done += 1
        if self.tty:
            now = self.clock()
            if now - self._last_draw >= self.min_interval or self.files_done == self.total_files:
                self._last_draw = now
                self.write(f"\r{self.line()}\x1b[K")
        elif self.files_done % self.every == 0:
            self.write(f"{self.line()}\n")

    def clear(self) -> None:
        """Before printing a message of one's own: on a terminal, rub out the line (the next update redraws it)."""
        if self.tty:
            self.write("\r\x1b[K")

    def line(self) -> str:
        total = f"/{self.total_files}" if self.total_files else ""
        parts = ", ".join(f"{count} {outcome}" for outcome, count in sorted(self.counts.items()))
        text = f"{self.files_done}{total} files ({parts})"
        sizes = [f"{human_bytes(size)} {outcome}" for outcome, size in sorted(self.bytes.items()) if size]
        text += f", {', '.join(sizes)}" if sizes else ", 0 B"
        elapsed = self.clock() - self._started
        if elapsed > 0 and self.files_done:
            text += f", {human_bytes(self.bytes_moved / elapsed)}/s, {self.files_done / elapsed:.0f} files/s"
            left = self.total_files - self.files_done
            if self.total_files and left > 0:
                text += f", ETA {human_duration(left * elapsed / self.files_done)}"
        return text

    def finish(self) -> None:
        """The last line: on a terminal always; in a log only after a long run (one of ``every`` files or more)."""
        if self.tty:
            self.write(f"\r{self.line()}\x1b[K\n")
        elif self.files_done > self.every and self.files_done % self.every != 0:
            self.write(f"{self.line()}\n")
