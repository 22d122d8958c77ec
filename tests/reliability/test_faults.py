"""B2 misbehaving, injected through the local B2 server: every kind of call the storage makes fails
with 500, 503, 429 or an expired token, once or for good; downloads break off; tokens expire in the
middle of an upload or a download.

What must hold: an operation either succeeds (b2sdk retries, re-authorizes, the storage resumes) with
the right bytes and exactly one version, or raises a clear exception after a bounded number of attempts,
leaving no visible partial file and no unfinished large file billing its parts. A fault never reads as
"missing": ``exists()`` does not answer False and ``open()`` does not raise ``FileNotFoundError``
because B2 is down.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from b2sdk.v2.exception import B2Error
from django.core.files.base import ContentFile

from django_backblaze_b2 import BackblazeB2Storage
from django_backblaze_b2.files import MAX_RESUMES_WITHOUT_PROGRESS, DownloadInterruptedError
from django_backblaze_b2.testing import SimulatedB2

from .conftest import PART, Tally, sha1

BUCKET = "django"
SMALL = b"a small file, uploaded in one request"
LARGE_SIZE = 2 * PART + 1  # three parts


def large_content() -> bytes:
    return os.urandom(LARGE_SIZE)


def unfinished_large_files(b2: SimulatedB2) -> list[Any]:
    return list(b2.api().get_bucket_by_name(BUCKET).list_unfinished_large_files())


def assert_stored_once(b2: SimulatedB2, storage: BackblazeB2Storage, name: str, data: bytes, tally: Tally) -> None:
    """The file reads back byte for byte, B2 holds exactly one version of it, and no upload is left open."""
    with storage.open(name) as stored:
        assert sha1(stored.read()) == sha1(data)
    assert b2.file_versions(BUCKET, name) == 1
    assert unfinished_large_files(b2) == []
    tally.verified += 1


def assert_nothing_stored(b2: SimulatedB2, name: str) -> None:
    assert name not in b2.file_names(BUCKET)
    assert b2.file_versions(BUCKET, name) == 0
    assert unfinished_large_files(b2) == []


# -- one fault, then success: every kind of call --------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """A storage operation that makes the B2 calls ``api_names``, and how to check it did its job."""

    api_names: tuple[str, ...]
    run: Callable[[SimulatedB2, BackblazeB2Storage, Tally], None]
    cold: bool = False  # the call happens only on a connection's first use (or first upload)


def save_small(b2: SimulatedB2, storage: BackblazeB2Storage, tally: Tally) -> None:
    name = storage.save("small.txt", ContentFile(SMALL))
    assert name == "small.txt"
    assert_stored_once(b2, storage, name, SMALL, tally)


def save_large(b2: SimulatedB2, storage: BackblazeB2Storage, tally: Tally) -> None:
    data = large_content()
    name = storage.save("large.bin", ContentFile(data))
    assert name == "large.bin"
    assert_stored_once(b2, storage, name, data, tally)


def head(b2: SimulatedB2, storage: BackblazeB2Storage, tally: Tally) -> None:
    assert storage.exists("seed.txt")
    assert storage.size("seed.txt") == len(SMALL)


def download(b2: SimulatedB2, storage: BackblazeB2Storage, tally: Tally) -> None:
    with storage.open("seed.txt") as file:
        assert file.read() == SMALL
    tally.verified += 1


def list_names(b2: SimulatedB2, storage: BackblazeB2Storage, tally: Tally) -> None:
    assert storage.listdir("") == ([], ["seed.txt"])


def delete(b2: SimulatedB2, storage: BackblazeB2Storage, tally: Tally) -> None:
    storage.delete("seed.txt")
    assert not storage.exists("seed.txt")
    assert b2.file_versions(BUCKET, "seed.txt") == 0


def copy(b2: SimulatedB2, storage: BackblazeB2Storage, tally: Tally) -> None:
    storage.copy("seed.txt", "copy.txt")
    assert_stored_once(b2, storage, "copy.txt", SMALL, tally)


def expiring_url(b2: SimulatedB2, storage: BackblazeB2Storage, tally: Tally) -> None:
    import requests

    url = storage.url("seed.txt", expire=60)
    assert requests.get(url, timeout=10).content == SMALL
    tally.verified += 1


LARGE_FILE_CALLS = ("b2_start_large_file", "b2_get_upload_part_url", "b2_upload_part", "b2_finish_large_file")
OPERATIONS = [
    Operation(("b2_authorize_account",), save_small, cold=True),
    Operation(("b2_list_buckets",), save_small, cold=True),
    Operation(("b2_get_upload_url",), save_small, cold=True),  # later uploads reuse the pooled upload URL
    Operation(("b2_upload_file",), save_small),
    # Each call of a large upload fails once, in the same upload (a 10 MB upload is the slow part here).
    Operation(LARGE_FILE_CALLS, save_large),
    Operation(("b2_get_file_info_by_name",), head),
    Operation(("b2_download_file_by_name",), download),
    Operation(("b2_list_file_names",), list_names),
    Operation(("b2_list_file_versions",), delete),
    Operation(("b2_delete_file_version",), delete),
    Operation(("b2_copy_file",), copy),
    Operation(("b2_get_download_authorization",), expiring_url),
]
FAULTS = {
    "500": {"status": 500},
    "503": {"status": 503},
    "429": {"status": 429},
    "expired-token": {"status": 401, "code": "expired_auth_token"},
}


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
@pytest.mark.parametrize("operation", OPERATIONS, ids=["+".join(op.api_names) for op in OPERATIONS])
def test_a_failing_call_is_retried_and_the_operation_succeeds(
    served: SimulatedB2, tally: Tally, operation: Operation, fault: dict[str, Any]
) -> None:
    if operation.api_names == ("b2_authorize_account",) and fault["status"] == 401:
        pytest.skip("authorizing is what an expired token leads to")
    storage = BackblazeB2Storage(allow_file_overwrites=True)
    if not operation.cold:
        storage.save("seed.txt", ContentFile(SMALL))
    before = {api_name: served.calls[api_name] for api_name in operation.api_names}
    for api_name in operation.api_names:
        served.server.faults.fail(api_name, times=1, retry_after=0, **fault)
        tally.faults += 1
        tally.server_errors += fault["status"] >= 500

    operation.run(served, storage, tally)

    assert served.server.faults.as_dict()["failures"] == []  # every fault was met...
    for api_name in operation.api_names:
        assert served.calls[api_name] >= before[api_name] + 2  # ...and the call made again
    tally.succeeded += 1


# -- faults that do not stop: a bounded number of attempts, a clear error, nothing left behind -------------


@pytest.mark.parametrize(
    ("api_name", "size"),
    [
        ("b2_get_upload_url", len(SMALL)),
        ("b2_upload_file", len(SMALL)),
        ("b2_start_large_file", LARGE_SIZE),
        ("b2_upload_part", LARGE_SIZE),
        ("b2_finish_large_file", LARGE_SIZE),
    ],
)
def test_an_upload_that_keeps_failing_raises_and_leaves_nothing(
    served: SimulatedB2, tally: Tally, api_name: str, size: int
) -> None:
    storage = BackblazeB2Storage()
    storage.listdir("")  # connection and bucket ready (no upload URL pooled yet): only the upload fails
    served.server.faults.fail(api_name, times=None, status=503, retry_after=0)
    started = time.monotonic()
    with pytest.raises(B2Error) as raised:
        storage.save("doomed.bin", ContentFile(os.urandom(size)))
    elapsed = time.monotonic() - started
    attempts = served.calls[api_name]
    served.server.faults.clear()

    assert "503" in str(raised.value) or "503" in repr(getattr(raised.value, "exception_info_list", ""))
    assert attempts <= 25  # b2sdk gives up: 5 upload attempts, each making a call tried at most 5 times
    assert_nothing_stored(served, "doomed.bin")
    tally.faults += attempts
    tally.server_errors += attempts
    tally.extra["slowest give-up"] = f"{max(elapsed, float(tally.extra.get('slowest give-up', '0s')[:-1])):.1f}s"


def test_a_delete_that_fails_half_way_never_brings_an_older_version_back(served: SimulatedB2, tally: Tally) -> None:
    storage = BackblazeB2Storage(allow_file_overwrites=True)
    for content in (b"v1: stale", b"v2: stale", b"v3: current"):
        storage.save("page.html", ContentFile(content))
    served.server.faults.fail("b2_delete_file_version", times=None, status=400, code="bad_request", after=1)
    with pytest.raises(B2Error):
        storage.delete("page.html")
    served.server.faults.clear()
    assert storage.open("page.html").read() == b"v3: current"  # not yet gone, but nothing stale shows
    storage.delete("page.html")
    assert not storage.exists("page.html")
    assert served.file_versions("django", "page.html") == 0
    tally.faults += 1
    tally.succeeded += 1


def test_a_failed_large_upload_cancels_its_unfinished_file_so_no_part_stays_billed(
    served: SimulatedB2, tally: Tally
) -> None:
    storage = BackblazeB2Storage()
    served.server.faults.fail("b2_upload_part", times=None, status=500, retry_after=0)
    with pytest.raises(B2Error):
        storage.save("big.bin", ContentFile(large_content()))
    served.server.faults.clear()
    assert served.calls["b2_start_large_file"] == 1
    assert served.calls["b2_cancel_large_file"] == 1
    assert_nothing_stored(served, "big.bin")
    tally.faults += served.calls["b2_upload_part"]
    tally.server_errors += served.calls["b2_upload_part"]

    # The same save once B2 is back: one file, one version, nothing unfinished.
    data = large_content()
    assert storage.save("big.bin", ContentFile(data)) == "big.bin"
    assert_stored_once(served, storage, "big.bin", data, tally)
    tally.succeeded += 1


def test_an_unfinished_large_file_of_another_upload_is_left_alone(served: SimulatedB2, tally: Tally) -> None:
    """Another process is uploading ``big.bin`` (its large file started, no part yet). A save of the same
    name neither adopts that file (b2sdk would, and only one of the two could finish it) nor cancels it."""
    storage = BackblazeB2Storage()
    storage.save("seed.txt", ContentFile(SMALL))  # creates the bucket
    api = served.api()
    bucket_id = api.get_bucket_by_name(BUCKET).id_
    someone_else = api.session.start_large_file(bucket_id, "big.bin", "application/octet-stream", {})["fileId"]

    data = large_content()
    name = storage.save("big.bin", ContentFile(data))
    assert [f.file_id for f in unfinished_large_files(served)] == [someone_else]
    with storage.open(name) as stored:
        assert sha1(stored.read()) == sha1(data)

    served.server.faults.fail("b2_upload_part", times=None, status=500, retry_after=0)
    with pytest.raises(B2Error):
        storage.save("big.bin", ContentFile(large_content()))
    served.server.faults.clear()
    assert [f.file_id for f in unfinished_large_files(served)] == [someone_else]
    assert served.calls["b2_list_unfinished_large_files"] == 2  # only this test's own checks: no b2sdk listing
    tally.faults += 1
    tally.verified += 1


@pytest.mark.parametrize("status", [500, 503, 429])
def test_b2_down_never_reads_as_missing(served: SimulatedB2, tally: Tally, status: int) -> None:
    storage = BackblazeB2Storage()
    storage.save("kept.txt", ContentFile(SMALL))
    for api_name in ("b2_get_file_info_by_name", "b2_list_file_names", "b2_download_file_by_name"):
        served.server.faults.fail(api_name, times=None, status=status, retry_after=0)
    try:
        with pytest.raises(B2Error):
            storage.exists("kept.txt")  # not False: a save must not take the name of a file it cannot see
        with pytest.raises(B2Error):
            storage.exists("folder")  # the folder check lists names: not False either
        with pytest.raises(B2Error):
            storage.get_file_metadata("kept.txt")
        with pytest.raises(B2Error):
            storage.listdir("")
        storage_without_head = BackblazeB2Storage()
        with pytest.raises(B2Error):
            storage_without_head.open("kept.txt").read()
        tally.faults += served.calls["b2_get_file_info_by_name"] + served.calls["b2_list_file_names"]
        tally.server_errors += served.calls["b2_get_file_info_by_name"] if status >= 500 else 0
    finally:
        served.server.faults.clear()
    with storage.open("kept.txt") as file:
        assert file.read() == SMALL  # nothing lost when B2 is back
    tally.verified += 1


# -- tokens expiring in the middle ---------------------------------------------------------------------


class ExpiresTokensWhenRead(io.BytesIO):
    """Content that, once read past ``at``, makes the local B2 server expire every token: the rest of the
    upload (the next parts, the finish) meets expired account and upload tokens."""

    def __init__(self, data: bytes, at: int, b2: SimulatedB2) -> None:
        super().__init__(data)
        self._at = at
        self._b2: SimulatedB2 | None = b2

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        if self._b2 is not None and self.tell() > self._at:
            b2, self._b2 = self._b2, None
            b2.expire_tokens()
        return data


def test_tokens_expiring_between_the_parts_of_a_large_upload(served: SimulatedB2, tally: Tally) -> None:
    storage = BackblazeB2Storage()
    data = large_content()
    authorized = served.calls["b2_authorize_account"]
    name = storage.save("parts.bin", ExpiresTokensWhenRead(data, PART + 1, served))
    assert served.calls["b2_authorize_account"] > authorized  # b2sdk authorized again mid-upload
    assert_stored_once(served, storage, name, data, tally)
    tally.faults += 1
    tally.succeeded += 1


def test_tokens_expiring_in_the_middle_of_a_download(served: SimulatedB2, tally: Tally) -> None:
    storage = BackblazeB2Storage()
    data = os.urandom(3 * 1024 * 1024)
    storage.save("video.bin", ContentFile(data))
    with storage.open("video.bin") as file:
        head = file.read(1024 * 1024)
        served.expire_tokens()
        served.server.faults.cut_download(0)  # the open download breaks: resuming needs a new token
        file.seek(2 * 1024 * 1024)  # and a seek opens a new ranged download, with expired tokens
        tail = file.read()
        file.seek(len(head))
        middle = file.read(1024 * 1024)
    assert head + middle + tail == data
    tally.faults += 2
    tally.verified += 1


# -- downloads cut short ----------------------------------------------------------------------------------


@pytest.mark.parametrize("cuts", [1, MAX_RESUMES_WITHOUT_PROGRESS])
@pytest.mark.parametrize("after_bytes", [0, 1, 100_000, 2 * 1024 * 1024 - 1])
def test_a_download_cut_short_is_resumed_byte_exact(
    served: SimulatedB2, tally: Tally, after_bytes: int, cuts: int
) -> None:
    storage = BackblazeB2Storage()
    data = os.urandom(2 * 1024 * 1024)
    storage.save("cut.bin", ContentFile(data))
    served.server.faults.cut_download(after_bytes, times=cuts)
    with storage.open("cut.bin") as file:
        chunks = list(iter(lambda: file.read(64 * 1024), b""))
    assert sha1(b"".join(chunks)) == sha1(data)
    tally.faults += cuts
    tally.verified += 1


def test_a_download_that_keeps_breaking_raises_never_returns_short_data(served: SimulatedB2, tally: Tally) -> None:
    storage = BackblazeB2Storage()
    data = os.urandom(1024 * 1024)
    storage.save("cut.bin", ContentFile(data))
    served.server.faults.cut_download(0, times=None)  # B2 sends headers, then nothing, every time
    with (
        storage.open("cut.bin") as file,
        pytest.raises(DownloadInterruptedError, match=r"'cut.bin' at byte 0 of 1048576"),
    ):
        file.read()
    assert served.calls["b2_download_file_by_name"] == 1 + MAX_RESUMES_WITHOUT_PROGRESS
    served.server.faults.clear()
    with storage.open("cut.bin") as file:
        assert sha1(file.read()) == sha1(data)
    tally.faults += 1 + MAX_RESUMES_WITHOUT_PROGRESS
    tally.verified += 1


def test_a_download_cut_every_few_kilobytes_still_completes(served: SimulatedB2, tally: Tally) -> None:
    """Each resume brings new bytes, so reading goes on: slowly, but byte-exact."""
    storage = BackblazeB2Storage()
    data = os.urandom(64 * 1024)
    storage.save("flaky.bin", ContentFile(data))
    served.server.faults.cut_download(4096, times=None)
    with storage.open("flaky.bin") as file:
        assert sha1(file.read()) == sha1(data)
    served.server.faults.clear()
    assert served.calls["b2_download_file_by_name"] == len(data) // 4096
    tally.faults += len(data) // 4096
    tally.verified += 1


def test_a_file_replaced_while_it_is_read_is_not_spliced(served: SimulatedB2, tally: Tally) -> None:
    storage = BackblazeB2Storage(allow_file_overwrites=True)
    first, second = os.urandom(3 * 1024 * 1024), os.urandom(3 * 1024 * 1024)
    storage.save("report.bin", ContentFile(first))
    with storage.open("report.bin") as file:
        assert file.read(1000) == first[:1000]
        storage.save("report.bin", ContentFile(second))
        file.seek(2 * 1024 * 1024)  # the next read needs a new download, which would be of the new version
        with pytest.raises(DownloadInterruptedError, match="replaced by a new version"):
            file.read()
    tally.faults += 1


def test_latency_spikes_slow_operations_down_and_change_nothing(served: SimulatedB2, tally: Tally) -> None:
    storage = BackblazeB2Storage()
    data = os.urandom(200_000)
    storage.save("slow.bin", ContentFile(data))
    served.server.faults.add_latency(0.2)
    started = time.monotonic()
    name = storage.save("slow-2.bin", ContentFile(data))
    assert storage.exists(name)
    with storage.open(name) as file:
        assert file.read() == data
    elapsed = time.monotonic() - started
    served.server.faults.clear()
    tally.extra["latency run"] = f"{elapsed:.1f}s"
    tally.succeeded += 3
    tally.verified += 1
