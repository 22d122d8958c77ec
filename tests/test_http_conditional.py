"""Validators and conditional requests (RFC 9110 §13) of the pure HTTP layer."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import ClassVar

import pytest
from django.utils.http import http_date
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_backblaze_b2.http import NOT_MODIFIED_HEADERS, ByteRange, Representation, decide, make_etag

SHA1 = "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"
ETAG = f'"{SHA1}"'
MODIFIED = datetime(2024, 5, 1, 12, 30, 15, 250000, tzinfo=timezone.utc)
AT = http_date(MODIFIED.timestamp())  # "Wed, 01 May 2024 12:30:15 GMT"
BEFORE = http_date((MODIFIED - timedelta(seconds=1)).timestamp())
AFTER = http_date((MODIFIED + timedelta(seconds=1)).timestamp())
META = Representation("report.pdf", 100, "application/pdf", ETAG, MODIFIED, cache_control="public, max-age=60")


def status(headers: dict[str, str], method: str = "GET", meta: Representation = META) -> int:
    return decide(method, headers, meta).status


class TestMakeEtag:
    def test_sha1(self) -> None:
        assert make_etag(SHA1, "4_z123") == ETAG
        assert make_etag(SHA1.upper()) == ETAG

    def test_unverified_prefix(self) -> None:
        assert make_etag(f"unverified:{SHA1}") == ETAG

    @pytest.mark.parametrize("sha1", ["none", None, "", "do_not_verify", "abc"])
    def test_large_file_uses_file_id(self, sha1: str | None) -> None:
        assert (
            make_etag(sha1, "4_z27c88f1d_f200ec6a3fa4ff1e4_d20161014") == '"id-4_z27c88f1d_f200ec6a3fa4ff1e4_d20161014"'
        )

    def test_nothing_usable(self) -> None:
        assert make_etag("none", None) is None
        assert make_etag(None, '"""') is None

    def test_quotes_in_file_id_cannot_break_the_tag(self) -> None:
        assert make_etag(None, 'a"b\r\nc') == '"id-abc"'


class TestIfMatch:
    @pytest.mark.parametrize("value", [ETAG, "*", f'"other", {ETAG}', f'{ETAG},"other"', f' "x" ,  {ETAG} '])
    def test_match_proceeds(self, value: str) -> None:
        assert status({"If-Match": value}) == 200

    @pytest.mark.parametrize("value", ['"other"', f"W/{ETAG}", f'W/"x", W/{ETAG}', "garbage", ""])
    def test_no_strong_match_is_412(self, value: str) -> None:
        assert status({"If-Match": value}) == 412

    def test_without_etag_only_star_matches(self) -> None:
        meta = Representation("f", 10)
        assert status({"If-Match": '"a"'}, meta=meta) == 412
        assert status({"If-Match": "*"}, meta=meta) == 200
        assert status({"If-None-Match": "*"}, meta=meta) == 304
        assert status({"If-None-Match": '"a"'}, meta=meta) == 200

    def test_head(self) -> None:
        assert status({"If-Match": '"other"'}, "HEAD") == 412

    def test_if_match_overrides_if_unmodified_since(self) -> None:
        # §13.2.2 step 2 only applies when If-Match is absent.
        assert status({"If-Match": ETAG, "If-Unmodified-Since": BEFORE}) == 200


class TestIfUnmodifiedSince:
    def test_modified_after_is_412(self) -> None:
        assert status({"If-Unmodified-Since": BEFORE}) == 412

    @pytest.mark.parametrize("value", [AT, AFTER])
    def test_not_modified_since_proceeds(self, value: str) -> None:
        assert status({"If-Unmodified-Since": value}) == 200

    @pytest.mark.parametrize("value", ["yesterday", "", "Wed, 99 May 2024 12:30:15 GMT"])
    def test_invalid_date_is_ignored(self, value: str) -> None:
        assert status({"If-Unmodified-Since": value}) == 200

    def test_without_last_modified_is_ignored(self) -> None:
        assert status({"If-Unmodified-Since": BEFORE}, meta=Representation("f", 10, etag=ETAG)) == 200


class TestIfNoneMatch:
    @pytest.mark.parametrize("value", [ETAG, f"W/{ETAG}", "*", f'"a", W/{ETAG}', f'{ETAG}, "b"'])
    def test_weak_match_is_304(self, value: str) -> None:
        assert status({"If-None-Match": value}) == 304
        assert status({"If-None-Match": value}, "HEAD") == 304

    @pytest.mark.parametrize("value", ['"other"', "garbage", "", 'W/"other"'])
    def test_no_match_is_200(self, value: str) -> None:
        assert status({"If-None-Match": value}) == 200

    def test_if_none_match_overrides_if_modified_since(self) -> None:
        # §13.2.2 step 4 only applies when If-None-Match is absent.
        assert status({"If-None-Match": '"other"', "If-Modified-Since": AFTER}) == 200
        assert status({"If-None-Match": ETAG, "If-Modified-Since": BEFORE}) == 304

    def test_if_match_failure_wins_over_304(self) -> None:
        assert status({"If-Match": '"other"', "If-None-Match": ETAG}) == 412


class TestIfModifiedSince:
    @pytest.mark.parametrize("value", [AT, AFTER])
    def test_not_modified_is_304(self, value: str) -> None:
        assert status({"If-Modified-Since": value}) == 304
        assert status({"If-Modified-Since": value}, "HEAD") == 304

    def test_modified_is_200(self) -> None:
        assert status({"If-Modified-Since": BEFORE}) == 200

    @pytest.mark.parametrize("value", ["garbage", "", "Wed, 01 May 2024 25:30:15 GMT"])
    def test_invalid_date_is_ignored(self, value: str) -> None:
        assert status({"If-Modified-Since": value}) == 200

    def test_sub_second_modification_time_still_matches(self) -> None:
        # Last-Modified is sent without the .25 s; echoing it back must give 304.
        assert decide("GET", {}, META).headers["Last-Modified"] == AT
        assert status({"If-Modified-Since": AT}) == 304

    @pytest.mark.parametrize("value", [AT, "Wednesday, 01-May-24 12:30:15 GMT", "Wed May  1 12:30:15 2024"])
    def test_all_three_http_date_formats(self, value: str) -> None:
        assert status({"If-Modified-Since": value}) == 304


class TestNotModifiedResponse:
    def test_keeps_only_allowed_headers(self) -> None:
        decision = decide("GET", {"If-None-Match": ETAG}, META)
        assert decision.status == 304
        assert decision.body_range is None
        assert decision.headers == {"ETag": ETAG, "Last-Modified": AT, "Cache-Control": "public, max-age=60"}
        assert {name.lower() for name in decision.headers} <= NOT_MODIFIED_HEADERS

    def test_precondition_failed_body_is_plain(self) -> None:
        decision = decide("GET", {"If-Match": '"nope"'}, META)
        assert decision.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert decision.body_range is None
        assert int(decision.headers["Content-Length"]) == len(decision.body)


class TestIfRange:
    RANGE: ClassVar[dict[str, str]] = {"Range": "bytes=0-9"}

    @pytest.mark.parametrize("value", [ETAG, AT, f" {ETAG} "])
    def test_match_honours_range(self, value: str) -> None:
        decision = decide("GET", {**self.RANGE, "If-Range": value}, META)
        assert decision.status == 206
        assert decision.body_range == ByteRange(0, 10)

    @pytest.mark.parametrize(
        "value",
        [
            '"other"',
            f"W/{ETAG}",  # weak tags never match strongly
            BEFORE,
            AFTER,  # a date must match exactly
            "garbage",
            "*",
            f'{ETAG}, "other"',  # a list is not allowed in If-Range
            "",
        ],
    )
    def test_mismatch_sends_whole_file(self, value: str) -> None:
        decision = decide("GET", {**self.RANGE, "If-Range": value}, META)
        assert decision.status == 200
        assert decision.body_range == ByteRange(0, 100)
        assert "Content-Range" not in decision.headers

    def test_mismatch_also_avoids_416(self) -> None:
        decision = decide("GET", {"Range": "bytes=500-", "If-Range": '"other"'}, META)
        assert decision.status == 200

    def test_date_without_last_modified_never_matches(self) -> None:
        meta = Representation("f", 100, etag=ETAG)
        assert decide("GET", {**self.RANGE, "If-Range": AT}, meta).status == 200

    def test_if_range_without_range_is_ignored(self) -> None:
        assert status({"If-Range": '"other"'}) == 200

    def test_preconditions_come_before_range(self) -> None:
        assert status({**self.RANGE, "If-None-Match": ETAG}) == 304
        assert status({"Range": "bytes=500-", "If-Match": '"other"'}) == 412


class TestMethods:
    @pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "FOO"])
    def test_only_get_and_head(self, method: str) -> None:
        decision = decide(method, {}, META)
        assert decision.status == 405
        assert decision.headers["Allow"] == "GET, HEAD"
        assert decision.body_range is None
        assert int(decision.headers["Content-Length"]) == len(decision.body)

    def test_lower_case_method(self) -> None:
        assert decide("get", {}, META).status == 200

    def test_head_has_get_headers_without_body(self) -> None:
        get, head = decide("GET", {}, META), decide("HEAD", {}, META)
        assert head.headers == get.headers
        assert head.body_range is None
        assert get.body_range == ByteRange(0, 100)

    def test_header_names_are_case_insensitive(self) -> None:
        assert status({"if-none-match": ETAG}) == 304
        assert status({"IF-NONE-MATCH": ETAG}) == 304
        assert decide("GET", {"range": "bytes=0-0"}, META).status == 206


header_values = st.one_of(
    st.text(max_size=60),
    st.sampled_from([ETAG, f"W/{ETAG}", "*", AT, BEFORE, AFTER, '"a", "b"', "bytes=0-0", "bytes=-1"]),
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "HEAD", "POST"]),
    headers=st.dictionaries(
        st.sampled_from(["If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "If-Range", "Range"]),
        header_values,
    ),
    size=st.integers(min_value=0, max_value=300),
)
def test_any_headers_give_a_coherent_decision(method: str, headers: dict[str, str], size: int) -> None:
    meta = Representation("f.bin", size, "application/octet-stream", ETAG, MODIFIED)
    decision = decide(method, headers, meta)
    assert decision.status in (200, 206, 304, 405, 412, 416)
    if decision.body_range is not None:
        assert method == "GET"
        assert decision.status in (200, 206)
        assert 0 <= decision.body_range.start < decision.body_range.stop <= size
        assert decision.headers["Content-Length"] == str(decision.body_range.length)
    if decision.status in (200, 206) and method == "GET" and size:
        assert decision.body_range is not None
