"""How files are cut into parts: B2's rules, whatever the size."""

from __future__ import annotations

import pytest

from django_backblaze_b2.direct_uploads.plan import MAX_PARTS, plan

MINIMUM = 5_000_000


@pytest.mark.parametrize("size", [0, 1, MINIMUM])
def test_a_file_of_at_most_one_minimum_part_is_not_a_large_file(size: int) -> None:
    assert plan(size, minimum_part_size=MINIMUM) is None


@pytest.mark.parametrize("size", [MINIMUM + 1, 2 * MINIMUM, 16 * 1024 * 1024, 300_000_000, 10**12, 10 * 10**12])
def test_every_plan_keeps_b2s_rules(size: int) -> None:
    parts = plan(size, minimum_part_size=MINIMUM)
    assert parts is not None
    assert 2 <= parts.count <= MAX_PARTS
    lengths = [parts.length(n) for n in (1, parts.count - 1, parts.count)]
    assert all(length >= MINIMUM for length in lengths[:-1])
    assert 1 <= lengths[-1] <= parts.part_size
    assert parts.part_size * (parts.count - 1) + parts.length(parts.count) == size


def test_the_part_size_asked_for_is_used_when_it_fits() -> None:
    parts = plan(300_000_000, minimum_part_size=MINIMUM, part_size=20_000_000)
    assert parts is not None and (parts.part_size, parts.count) == (20_000_000, 15)


def test_a_part_size_below_b2s_minimum_is_raised_to_it() -> None:
    parts = plan(30_000_000, minimum_part_size=MINIMUM, part_size=1_000)
    assert parts is not None and parts.part_size == MINIMUM


def test_there_is_no_part_zero_or_past_the_end() -> None:
    parts = plan(12_000_000, minimum_part_size=MINIMUM, part_size=MINIMUM)
    assert parts is not None
    for number in (0, parts.count + 1):
        with pytest.raises(ValueError):
            parts.length(number)
