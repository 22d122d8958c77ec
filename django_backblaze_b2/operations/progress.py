"""A plain-text progress line: redrawn in place on a terminal, one line every N files otherwise."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable


def human_bytes(size: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


class Progress:
    """Counts files by outcome and bytes done, and shows them through ``write`` (text as is, no newline added).

    ``tty``: redraw one line in place (at most every ``min_interval`` seconds); otherwise print a line
    every ``every`` files, which reads well in a log.
    """

    def __init__(
        self,
        write: Callable[[str], object],
        *,
        tty: bool,
        total_files: int = 0,
        every: int = 500,
        min_interval: float = 0.2,
    ) -> None:
        self.write = write
        self.tty = tty
        self.total_files = total_files
        self.every = every
        self.min_interval = min_interval
        self.counts: Counter[str] = Counter()
        self.bytes_done = 0
        self.files_done = 0
        self._last_draw = 0.0

    def update(self, outcome: str, size: int = 0) -> None:
        self.counts[outcome] += 1
        self.files_done += 1
        self.bytes_done += size
        if self.tty:
            now = time.monotonic()
            if now - self._last_draw >= self.min_interval or self.files_done == self.total_files:
                self._last_draw = now
                self.write(f"\r{self.line()}\x1b[K")
        elif self.files_done % self.every == 0:
            self.write(f"{self.line()}\n")

    def line(self) -> str:
        parts = ", ".join(f"{count} {outcome}" for outcome, count in sorted(self.counts.items()))
        return f"{self.files_done}/{self.total_files} files ({parts}), {human_bytes(self.bytes_done)}"

    def finish(self) -> None:
        if self.tty:
            self.write(f"\r{self.line()}\x1b[K\n")
        elif self.files_done % self.every != 0:
            self.write(f"{self.line()}\n")
