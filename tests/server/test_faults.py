"""Fault injection, and what b2sdk does about each fault."""

from __future__ import annotations

import io
import os
import time

import pytest
import requests
from b2sdk.v2 import B2Api, Bucket
from b2sdk.v2.exception import MaxRetriesExceeded, ServiceError

from django_backblaze_b2.testing.server import LocalB2Server


def test_503_once_is_retried(server: LocalB2Server, api: B2Api, bucket: Bucket) -> None:
    server.reset()
    server.faults.fail("b2_list_file_names", status=503, retry_after=0)
    assert list(bucket.ls("", recursive=True)) == []
    assert server.calls["b2_list_file_names"] == 2  # the failed call and b2sdk's retry


def test_429_with_retry_after_is_honoured(server: LocalB2Server, bucket: Bucket) -> None:
    server.reset()
    server.faults.fail("b2_get_upload_url", status=429, retry_after=1)
    started = time.monotonic()
    bucket.upload_bytes(b"x", "x.txt")
    assert time.monotonic() - started >= 1.0
    assert server.calls["b2_get_upload_url"] == 2


def test_500_forever_on_upload_fails_after_bounded_attempts(server: LocalB2Server, bucket: Bucket) -> None:
    server.reset()
    server.faults.fail("b2_upload_file", status=500, times=None)
    with pytest.raises(MaxRetriesExceeded) as raised:
        bucket.upload_bytes(b"never stored", "lost.txt")
    assert all(isinstance(e, ServiceError) for e in raised.value.exception_info_list)
    assert server.calls["b2_upload_file"] == 5  # b2sdk's MAX_UPLOAD_ATTEMPTS
    server.faults.clear()
    assert [v.file_name for v, _ in bucket.ls("", recursive=True)] == []


def test_expired_token_reauthorizes(server: LocalB2Server, api: B2Api, bucket: Bucket) -> None:
    server.reset()
    server.faults.fail("b2_list_file_names", status=401, code="expired_auth_token")
    assert list(bucket.ls("", recursive=True)) == []
    assert server.calls["b2_authorize_account"] == 1
    assert server.calls["b2_list_file_names"] == 2

    old_token = api.account_info.get_account_auth_token()
    server.faults.expire_tokens()
    bucket.upload_bytes(b"after expiry", "later.txt")  # upload URL and account token both expired
    assert api.account_info.get_account_auth_token() != old_token
    assert server.calls["b2_authorize_account"] == 2
    assert bucket.download_file_by_name("later.txt").response.content == b"after expiry"


def test_cut_download_is_resumed_by_b2sdk(server: LocalB2Server, bucket: Bucket) -> None:
    data = os.urandom(300_000)
    bucket.upload_bytes(data, "cut.bin")
    server.reset()
    server.faults.cut_download(100_000)
    out = io.BytesIO()
    bucket.download_file_by_name("cut.bin").save(out)
    # b2sdk notices the short body and asks for the rest with a Range request.
    assert out.getvalue() == data
    assert server.calls["b2_download_file_by_name"] == 2


def test_cut_download_every_time_fails(server: LocalB2Server, bucket: Bucket) -> None:
    data = os.urandom(300_000)
    bucket.upload_bytes(data, "cut.bin")
    server.reset()
    server.faults.cut_download(0, times=None)
    # A body that breaks before its first byte, every time: b2sdk's downloader tries 15 times
    # (its hard-coded max_attempts), then raises requests' own exception, not a B2Error.
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        bucket.download_file_by_name("cut.bin").save(io.BytesIO())
    assert server.calls["b2_download_file_by_name"] == 15


def test_latency(server: LocalB2Server, api: B2Api) -> None:
    server.faults.add_latency(0.3, api_name="b2_list_buckets")
    started = time.monotonic()
    api.list_buckets()
    assert time.monotonic() - started >= 0.3
    server.faults.clear()
    started = time.monotonic()
    api.list_buckets()
    assert time.monotonic() - started < 0.3
