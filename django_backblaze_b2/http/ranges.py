"""The ``Range`` request header (RFC 9110 §14): parsing and resolving against a file's size.

Pure functions, no I/O. Only the ``bytes`` unit exists; anything the grammar does not allow makes the
whole header invalid, and an invalid header is ignored (the full representation is sent), as RFC 9110
§14.2 permits.

Several ranges are coalesced when they overlap, touch, or are separated by a gap smaller than the
overhead of a ``multipart/byteranges`` part (RFC 9110 §14.2 allows this). If one range remains it is
served as a single-part 206; if several remain the Range header is ignored and the whole file is sent
with 200, which is always a correct answer. This library never builds ``multipart/byteranges``: no
browser or video player asks for it, and each part would cost a separate B2 download.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A header longer than this, or with more ranges than this, is ignored rather than parsed.
MAX_HEADER_LENGTH = 4096
MAX_RANGES = 100
# Ranges closer than this are merged: roughly the size of a multipart part's own headers.
COALESCE_GAP = 80

_INT_RANGE = re.compile(r"([0-9]+)-([0-9]*)")
_SUFFIX_RANGE = re.compile(r"-([0-9]+)")
_OWS = " \t"
# Numbers are compared with file sizes; anything this long is "larger than any file".
_HUGE = 10**18


@dataclass(frozen=True)
class ByteRange:
    """Bytes ``start`` (inclusive) to ``stop`` (exclusive) of a file, as in ``data[start:stop]``."""

    start: int
    stop: int

    @property
    def length(self) -> int:
        return self.stop - self.start

    @property
    def last(self) -> int:
        """The last byte's offset, as written in ``Content-Range`` and B2's inclusive ranges."""
        return self.stop - 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.last}/{size}"


@dataclass(frozen=True)
class IntRange:
    """``first-last`` or ``first-`` (``last`` is None)."""

    first: int
    last: int | None


@dataclass(frozen=True)
class SuffixRange:
    """``-length``: the last ``length`` bytes."""

    length: int


RangeSpec = IntRange | SuffixRange


class Unsatisfiable:
    """The Range header is valid but no range overlaps the file: answer 416."""

    def __repr__(self) -> str:
        return "UNSATISFIABLE"


UNSATISFIABLE = Unsatisfiable()


def _number(digits: str) -> int:
    digits = digits.lstrip("0") or "0"
    # int() refuses very long digit strings (CVE-2020-10735 limit); they are all "too big" anyway.
    return int(digits) if len(digits) < 19 else _HUGE


def parse_range_header(value: str | None) -> list[RangeSpec] | None:
    """The range specs of a ``Range`` header, or None when it is absent, invalid or not in bytes."""
    if not value or len(value) > MAX_HEADER_LENGTH:
        return None
    unit, sep, range_set = value.partition("=")
    if not sep or unit.strip(_OWS).lower() != "bytes":
        return None
    specs: list[RangeSpec] = []
    for element in range_set.split(","):
        element = element.strip(_OWS)
        if not element:
            continue  # RFC 9110 §5.6.1.2: empty list elements are allowed and ignored
        int_match = _INT_RANGE.fullmatch(element)
        if int_match:
            first = _number(int_match[1])
            last = _number(int_match[2]) if int_match[2] else None
            if last is not None and last < first:
                return None  # RFC 9110 §14.1.1: invalid when last-pos < first-pos
            specs.append(IntRange(first, last))
            continue
        suffix_match = _SUFFIX_RANGE.fullmatch(element)
        if suffix_match:
            specs.append(SuffixRange(_number(suffix_match[1])))
            continue
        return None
    if not specs or len(specs) > MAX_RANGES:
        return None
    return specs


def resolve_spec(spec: RangeSpec, size: int) -> ByteRange | None:
    """The bytes one spec selects in a file of ``size`` bytes, or None when it is unsatisfiable."""
    if isinstance(spec, SuffixRange):
        if spec.length == 0 or size == 0:
            return None
        return ByteRange(max(0, size - spec.length), size)
    if spec.first >= size:
        return None
    stop = size if spec.last is None else min(spec.last + 1, size)
    return ByteRange(spec.first, stop)


def coalesce(ranges: list[ByteRange], gap: int = COALESCE_GAP) -> list[ByteRange]:
    """Sorted ranges with overlapping, adjacent or nearly adjacent ones merged."""
    merged: list[ByteRange] = []
    for byte_range in sorted(ranges, key=lambda r: r.start):
        if merged and byte_range.start <= merged[-1].stop + gap:
            last = merged[-1]
            merged[-1] = ByteRange(last.start, max(last.stop, byte_range.stop))
        else:
            merged.append(byte_range)
    return merged


def select_range(value: str | None, size: int) -> ByteRange | Unsatisfiable | None:
    """What to send for a ``Range`` header on a file of ``size`` bytes.

    A :class:`ByteRange` for a 206, :data:`UNSATISFIABLE` for a 416, or None to send the whole file
    with 200 (no header, an invalid one, an empty file, or several disjoint ranges).
    """
    specs = parse_range_header(value)
    if specs is None or size == 0:
        # An empty file has no byte to point at in a Content-Range: ignoring Range is always allowed.
        return None
    selected = [r for r in (resolve_spec(spec, size) for spec in specs) if r is not None]
    if not selected:
        return UNSATISFIABLE
    merged = coalesce(selected)
    if len(merged) != 1:
        return None
    return merged[0]
