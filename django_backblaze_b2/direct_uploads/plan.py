"""How a file is cut into parts for a direct upload, within B2's rules.

B2's rules for a large file: 1 to 10,000 parts, numbered from 1; every part but the last at least
``absoluteMinimumPartSize`` (5 MB on B2, what the account reports at authorization), the last at
least 1 byte; and at least two parts (b2_finish_large_file refuses a one-part large file). So a file of
``absoluteMinimumPartSize`` bytes or fewer cannot be a large file at all: it goes through Django.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_PARTS = 10_000
MIN_PARTS = 2
DEFAULT_PART_SIZE = 16 * 1024 * 1024  # a browser holds a few parts in memory at once: keep them modest


@dataclass(frozen=True)
class PartPlan:
    size: int
    part_size: int

    @property
    def count(self) -> int:
        return -(-self.size // self.part_size)

    def length(self, part_number: int) -> int:
        """The length part ``part_number`` (from 1) must have."""
        if not 1 <= part_number <= self.count:
            raise ValueError(f"part {part_number} is not one of the {self.count} parts")
        if part_number < self.count:
            return self.part_size
        return self.size - self.part_size * (self.count - 1)


def plan(size: int, *, minimum_part_size: int, part_size: int = DEFAULT_PART_SIZE) -> PartPlan | None:
    """The parts of a ``size``-byte file, or None when it is too small to be a large file."""
    if size <= minimum_part_size:
        return None
    chosen = max(minimum_part_size, part_size, -(-size // MAX_PARTS))
    if size <= chosen:
        chosen = max(minimum_part_size, -(-size // MIN_PARTS))  # two parts, the first as large as it must be
    return PartPlan(size=size, part_size=chosen)
