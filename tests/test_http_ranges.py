"""Range handling (RFC 9110 §14) of the pure HTTP layer, by property and by example."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_backblaze_b2.http import UNSATISFIABLE, ByteRange, Representation, decide, parse_range_header, select_range
from django_backblaze_b2.http.ranges import MAX_RANGES, IntRange, SuffixRange

sizes = st.integers(min_value=0, max_value=5000)
positions = st.integers(min_value=0, max_value=6000)


def data_of(size: int) -> bytes:
    return bytes(i % 251 for i in range(size))


def sliced(size: int, chosen: ByteRange) -> bytes:
    return data_of(size)[chosen.start : chosen.stop]


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(size=sizes, first=positions, length=st.one_of(st.none(), positions))
def test_int_range_is_python_slicing(size: int, first: int, length: int | None) -> None:
    last = None if length is None else first + length
    header = f"bytes={first}-" if last is None else f"bytes={first}-{last}"
    chosen = select_range(header, size)
    if size == 0:
        assert chosen is None  # an empty file ignores Range: 200 with an empty body
    elif first >= size:
        assert chosen is UNSATISFIABLE
    else:
        assert isinstance(chosen, ByteRange)
        expected = data_of(size)[first:] if last is None else data_of(size)[first : last + 1]
        assert sliced(size, chosen) == expected
        assert chosen.last <= size - 1
        assert chosen.content_range(size) == f"bytes {first}-{first + len(expected) - 1}/{size}"


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(size=sizes, suffix=positions)
def test_suffix_range_is_python_slicing(size: int, suffix: int) -> None:
    chosen = select_range(f"bytes=-{suffix}", size)
    if size == 0:
        assert chosen is None
    elif suffix == 0:
        assert chosen is UNSATISFIABLE
    else:
        assert isinstance(chosen, ByteRange)
        assert sliced(size, chosen) == data_of(size)[-suffix:]


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(size=st.integers(min_value=1, max_value=5000), first=positions, last=positions)
def test_416_exactly_when_unsatisfiable(size: int, first: int, last: int) -> None:
    first, last = min(first, last), max(first, last)
    decision = decide("GET", {"Range": f"bytes={first}-{last}"}, Representation("f.bin", size))
    if first >= size:
        assert decision.status == 416
        assert decision.headers["Content-Range"] == f"bytes */{size}"
        assert decision.body_range is None
    else:
        assert decision.status == 206
        assert decision.body_range == ByteRange(first, min(last + 1, size))
        assert decision.headers["Content-Length"] == str(min(last + 1, size) - first)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=st.text(max_size=200))
def test_arbitrary_text_never_raises(header: str) -> None:
    result = select_range(header, 1000)
    assert result is None or result is UNSATISFIABLE or isinstance(result, ByteRange)
    decision = decide("GET", {"Range": header, "If-Range": header}, Representation("f", 1000, etag='"x"'))
    assert decision.status in (200, 206, 416)


range_like = st.lists(
    st.sampled_from(["bytes", "=", "-", ",", " ", "0", "1", "9", "99999999999999999999", "x", "\t", ";"]),
    max_size=20,
).map("".join)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=range_like, size=sizes)
def test_range_like_text_never_raises(header: str, size: int) -> None:
    result = select_range(header, size)
    if isinstance(result, ByteRange):
        assert 0 <= result.start < result.stop <= size


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-0", 10, ByteRange(0, 1)),
        ("bytes=-1", 10, ByteRange(9, 10)),
        ("bytes=0-", 10, ByteRange(0, 10)),
        ("bytes=9-", 10, ByteRange(9, 10)),
        ("bytes=9-9", 10, ByteRange(9, 10)),
        ("bytes=10-", 10, UNSATISFIABLE),
        ("bytes=10-20", 10, UNSATISFIABLE),
        ("bytes=5-100", 10, ByteRange(5, 10)),
        ("bytes=-10", 10, ByteRange(0, 10)),
        ("bytes=-500", 10, ByteRange(0, 10)),
        ("bytes=-0", 10, UNSATISFIABLE),
        ("bytes=0-0", 1, ByteRange(0, 1)),
        ("bytes=-1", 1, ByteRange(0, 1)),
        ("bytes=1-", 1, UNSATISFIABLE),
        ("bytes=0-0", 0, None),
        ("bytes=-1", 0, None),
        ("bytes=0-", 0, None),
        # Syntax variations
        ("Bytes=0-1", 10, ByteRange(0, 2)),
        ("bytes = 0-1", 10, ByteRange(0, 2)),
        ("bytes= 0-1 ,", 10, ByteRange(0, 2)),
        ("bytes=,,0-1", 10, ByteRange(0, 2)),
        ("bytes=0001-0002", 10, ByteRange(1, 3)),
        ("bytes=0-99999999999999999999999999999999", 10, ByteRange(0, 10)),
        ("bytes=99999999999999999999999999999-", 10, UNSATISFIABLE),
        ("bytes=-99999999999999999999999999999", 10, ByteRange(0, 10)),
        ("bytes=0-" + "9" * 4000, 10, ByteRange(0, 10)),  # far beyond any file size
        ("bytes=0-" + "9" * 5000, 10, None),  # header too long: ignored
        # Malformed or foreign: ignored (200)
        ("", 10, None),
        ("bytes", 10, None),
        ("bytes=", 10, None),
        ("bytes=,", 10, None),
        ("bytes=-", 10, None),
        ("bytes=5-1", 10, None),
        ("bytes=1-2-3", 10, None),
        ("bytes=a-b", 10, None),
        ("bytes=+1-2", 10, None),
        ("bytes=1 -2", 10, None),
        ("bytes=0x1-2", 10, None),
        ("bytes=\u0661-\u0662", 10, None),  # Arabic-Indic digits match \d but are not DIGIT
        ("items=0-1", 10, None),
        ("bytes=0-1;q=1", 10, None),
        ("bytes=0-1, 5-1", 10, None),
        # Several ranges: coalesced when they overlap or nearly touch, else ignored
        ("bytes=0-1, 1-3", 10, ByteRange(0, 4)),
        ("bytes=0-1,2-3", 10, ByteRange(0, 4)),
        ("bytes=-2, 0-0", 200, None),
        ("bytes=0-0, 100-100", 1000, None),
        ("bytes=0-0,5-5", 1000, ByteRange(0, 6)),
        ("bytes=0-0, 20-", 10, ByteRange(0, 1)),  # only one satisfiable
        ("bytes=20-, 30-", 10, UNSATISFIABLE),
        ("bytes=0-1," * MAX_RANGES + "0-1", 10, None),  # too many ranges: ignored
    ],
)
def test_examples(header: str, size: int, expected: object) -> None:
    assert select_range(header, size) == expected


def test_parse_keeps_specs() -> None:
    assert parse_range_header("bytes=0-, -5, 3-4") == [IntRange(0, None), SuffixRange(5), IntRange(3, 4)]
    assert parse_range_header(None) is None


@pytest.mark.parametrize("size", [1, 2, 10, 1024])
@pytest.mark.parametrize(
    ("header", "python_slice"),
    [
        ("bytes=0-0", slice(0, 1)),
        ("bytes=1-1", slice(1, 2)),
        ("bytes=-1", slice(-1, None)),
        ("bytes=0-", slice(0, None)),
        ("bytes=1-", slice(1, None)),
        ("bytes=-2", slice(-2, None)),
    ],
)
def test_boundaries(size: int, header: str, python_slice: slice) -> None:
    data = data_of(size)
    decision = decide("GET", {"Range": header}, Representation("f.bin", size))
    expected = data[python_slice]
    if not expected:
        assert decision.status == 416
        return
    assert decision.status == 206
    assert decision.body_range is not None
    assert data[decision.body_range.start : decision.body_range.stop] == expected
    assert decision.headers["Content-Length"] == str(len(expected))


def test_empty_file_sends_200_without_download() -> None:
    decision = decide("GET", {"Range": "bytes=0-0"}, Representation("empty.txt", 0))
    assert decision.status == 200
    assert decision.body_range is None
    assert decision.headers["Content-Length"] == "0"
    assert decision.headers["Accept-Ranges"] == "bytes"


def test_head_ignores_range_and_downloads_nothing() -> None:
    decision = decide("HEAD", {"Range": "bytes=0-0"}, Representation("f.bin", 10))
    assert decision.status == 200
    assert decision.body_range is None
    assert decision.headers["Content-Length"] == "10"


def test_accept_ranges_always() -> None:
    for headers in ({}, {"Range": "bytes=0-0"}, {"Range": "bytes=50-"}, {"Range": "junk"}):
        assert decide("GET", headers, Representation("f.bin", 10)).headers["Accept-Ranges"] == "bytes"
