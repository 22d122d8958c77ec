"""b2_copy_media: copying the files rows refer to, between two simulated B2 buckets and to disk."""

from __future__ import annotations

import hashlib
import io
import math
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.core.management import call_command
from django.core.management.base import CommandError

from django_backblaze_b2.encryption import EncryptionKeyError
from django_backblaze_b2.operations.copy import CopyOutcome, copy_media
from django_backblaze_b2.storage import BackblazeB2Storage
from django_backblaze_b2.testing import SimulatedB2
from django_backblaze_b2.testing.pytest_plugin import served
from tests.mediaapp.models import Archive, Document
from tests.storage_settings import storages_setting

pytestmark = pytest.mark.django_db

B2_BACKEND = "django_backblaze_b2.storage.BackblazeB2Storage"


def environments(**extra: dict[str, Any]) -> AbstractContextManager[None]:
    """Staging's settings: its own bucket as "default", live's bucket as "default-live"."""
    return storages_setting(
        {
            "default": {"BACKEND": B2_BACKEND, "OPTIONS": {"bucket": "staging-media"}},
            "default-live": {"BACKEND": B2_BACKEND, "OPTIONS": {"bucket": "live-media"}},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            **extra,
        }
    )


@pytest.fixture
def live_and_staging(b2: SimulatedB2) -> Iterator[SimulatedB2]:
    b2.create_bucket("live-media")
    b2.create_bucket("staging-media")
    with environments():
        yield b2


def put_live_files(b2: SimulatedB2, files: dict[str, bytes]) -> None:
    """Files in live's bucket, with a row for each (as a restored live database would have)."""
    bucket = b2.api().get_bucket_by_name("live-media")
    for name, data in files.items():
        bucket.upload_bytes(data, name)
    Document.objects.bulk_create(Document(file=name) for name in files)
    b2.calls.clear()


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("b2_copy_media", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def staging_content(name: str) -> bytes:
    with storages["default"].open(name) as stored:
        return bytes(stored.read())


def test_copies_every_referenced_file_inside_b2(live_and_staging: SimulatedB2, request: pytest.FixtureRequest) -> None:
    # Over HTTP (pytest --b2-server) each B2 call is a request to a local server on shared cores.
    count = 100 if served(request.config) else 1500
    files = {f"documents/{i:04}.txt": f"file {i}".encode() for i in range(count)}
    put_live_files(live_and_staging, files)
    started = time.perf_counter()

    out, err = run("--from", "default-live", "--to", "default")

    elapsed = time.perf_counter() - started
    print(f"copied {count} small files server-side in {elapsed:.2f} s: {live_and_staging.calls.as_dict()}")
    assert f"{count} copied" in out
    assert live_and_staging.file_names("staging-media") == sorted(files)
    # No byte went through this process: one b2_copy_file per file, no download, no upload.
    assert live_and_staging.calls["b2_copy_file"] == count
    assert live_and_staging.calls["b2_download_file_by_name"] == 0
    assert live_and_staging.calls["b2_upload_file"] == 0
    # One listing per bucket, a call per 1000 names (what B2 bills as one transaction), however many workers.
    assert live_and_staging.calls["b2_list_file_names"] == math.ceil(count / 1000) + 1
    assert staging_content("documents/0042.txt") == b"file 42"
    # In a log (not a terminal) the progress line comes every 500 files, and at the end of a longer run.
    assert (f"{count}/{count} files" in err) is (count > 500)


def test_second_run_copies_nothing(live_and_staging: SimulatedB2) -> None:
    put_live_files(live_and_staging, {f"documents/{i}.txt": b"x" * i for i in range(50)})
    run("--from", "default-live", "--to", "default")
    live_and_staging.calls.clear()

    out, _err = run("--from", "default-live", "--to", "default")

    assert "0 copied (0 B), 50 already there (1.2 kB), 0 failed" in out
    assert live_and_staging.calls["b2_copy_file"] == 0
    # Two listings (one per bucket) decide it: no per-file call.
    assert live_and_staging.calls.total == live_and_staging.calls["b2_list_file_names"] == 2


def test_changed_source_file_is_copied_again(live_and_staging: SimulatedB2) -> None:
    put_live_files(live_and_staging, {"documents/a.txt": b"first", "documents/b.txt": b"same"})
    run("--from", "default-live", "--to", "default")
    live_and_staging.api().get_bucket_by_name("live-media").upload_bytes(b"second", "documents/a.txt")

    out, _err = run("--from", "default-live", "--to", "default")

    assert "1 copied" in out
    assert "1 already there" in out
    assert staging_content("documents/a.txt") == b"second"


def test_content_type_headers_and_file_info_come_along(live_and_staging: SimulatedB2) -> None:
    bucket = live_and_staging.api().get_bucket_by_name("live-media")
    bucket.upload_bytes(
        b"body{}", "documents/a.css", content_type="text/css", cache_control="max-age=60", file_info={"owner": "ann"}
    )
    Document.objects.create(file="documents/a.css")

    run("--from", "default-live", "--to", "default")

    staging = storages["default"]
    assert isinstance(staging, BackblazeB2Storage)
    copied = staging.get_file_metadata("documents/a.css")
    assert (copied.content_type, copied.cache_control, copied.file_info["owner"]) == ("text/css", "max-age=60", "ann")


def test_a_source_with_ten_file_info_entries_is_still_copied_and_recognised(live_and_staging: SimulatedB2) -> None:
    bucket = live_and_staging.api().get_bucket_by_name("live-media")
    bucket.upload_bytes(b"full", "documents/full.txt", file_info={f"k{i}": "v" for i in range(10)})
    Document.objects.create(file="documents/full.txt")

    first, _err = run("--from", "default-live", "--to", "default")
    second, _err = run("--from", "default-live", "--to", "default")

    assert "1 copied" in first
    assert "1 already there" in second  # by size and B2's own SHA-1


def test_only_referenced_files_of_this_storage_are_copied(live_and_staging: SimulatedB2) -> None:
    put_live_files(live_and_staging, {"documents/kept.txt": b"referenced"})
    live_bucket = live_and_staging.api().get_bucket_by_name("live-media")
    live_bucket.upload_bytes(b"nobody refers to me", "documents/orphan.txt")
    Document.objects.create(file="documents/kept.txt", attachment="attachments/missing-in-live.pdf")
    Archive.objects.create(file="archive/other-storage.zip")

    # The attachment row names a file live doesn't have: reported, and the rest is copied.
    with pytest.raises(CommandError, match=r"1 file\(s\) could not be copied"):
        run("--from", "default-live", "--to", "default")

    assert live_and_staging.file_names("staging-media") == ["documents/kept.txt"]
    assert live_and_staging.file_names("archive-bucket") == []


def test_all_copies_every_file_under_the_prefix(live_and_staging: SimulatedB2) -> None:
    bucket = live_and_staging.api().get_bucket_by_name("live-media")
    for name in ("uploads/2024/a.txt", "uploads/2024/deep/b.txt", "uploads/2025/c.txt", "other.txt"):
        bucket.upload_bytes(name.encode(), name)

    out, _err = run("--from", "default-live", "--to", "default", "--all", "--prefix", "uploads/2024")

    assert "2 copied" in out
    assert live_and_staging.file_names("staging-media") == ["uploads/2024/a.txt", "uploads/2024/deep/b.txt"]


def test_dry_run_copies_nothing(live_and_staging: SimulatedB2) -> None:
    put_live_files(live_and_staging, {"documents/a.txt": b"a", "documents/b.txt": b"b"})

    out, _err = run("--from", "default-live", "--to", "default", "--dry-run")

    assert "2 would copy" in out
    assert live_and_staging.file_names("staging-media") == []
    assert live_and_staging.calls["b2_copy_file"] == 0


def test_a_file_deleted_during_the_run_fails_alone(live_and_staging: SimulatedB2) -> None:
    files = {f"documents/{i}.txt": b"data" for i in range(10)}
    put_live_files(live_and_staging, files)
    live = storages["default-live"]
    deleted: list[str] = []

    def delete_one_after_the_listing(outcome: CopyOutcome) -> None:
        if not deleted:
            live.delete("documents/7.txt")
            deleted.append("documents/7.txt")

    report = copy_media(live, storages["default"], files, workers=1, on_file=delete_one_after_the_listing)

    assert [failure.name for failure in report.failures] == ["documents/7.txt"]
    assert report.counts["copied"] == 9
    assert live_and_staging.file_names("staging-media") == sorted(set(files) - {"documents/7.txt"})


def test_failures_are_listed_and_make_the_command_fail(live_and_staging: SimulatedB2) -> None:
    put_live_files(live_and_staging, {"documents/ok.txt": b"fine"})
    Document.objects.create(file="documents/not-in-live.txt")

    with pytest.raises(CommandError, match=r"1 file\(s\) could not be copied"):
        run("--from", "default-live", "--to", "default")

    assert live_and_staging.file_names("staging-media") == ["documents/ok.txt"]


def test_failure_output_names_the_file(live_and_staging: SimulatedB2) -> None:
    put_live_files(live_and_staging, {"documents/ok.txt": b"fine"})
    Document.objects.create(file="documents/not-in-live.txt")
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("b2_copy_media", "--from", "default-live", "--to", "default", stdout=io.StringIO(), stderr=err)

    assert "failed: documents/not-in-live.txt: not found in the source storage" in err.getvalue()


def test_same_storage_on_both_sides_is_refused(live_and_staging: SimulatedB2) -> None:
    with pytest.raises(CommandError, match="same storage"):
        run("--from", "default", "--to", "default", "--all")


def test_unknown_alias_is_refused_with_the_known_ones(live_and_staging: SimulatedB2) -> None:
    with pytest.raises(CommandError, match=r"No storage 'live' in settings.STORAGES \(configured: default, "):
        run("--from", "live", "--to", "default")


# -- streaming, when the copy can't stay in B2 --------------------------------------------------


class FailingForOneName(FileSystemStorage):
    def _save(self, name: str, content: Any) -> str:
        if name.endswith("broken.txt"):
            raise PermissionError("disk says no")
        saved: str = super()._save(name, content)  # type: ignore[misc]
        return saved


def test_streams_to_a_local_storage_and_reports_a_failing_file(live_and_staging: SimulatedB2, tmp_path: Path) -> None:
    put_live_files(
        live_and_staging, {"documents/a.txt": b"alpha", "documents/broken.txt": b"b", "documents/c.txt": b"c"}
    )
    local = {"BACKEND": f"{__name__}.FailingForOneName", "OPTIONS": {"location": str(tmp_path)}}

    with environments(local=local), pytest.raises(CommandError, match=r"1 file\(s\)"):
        run("--from", "default-live", "--to", "local", "--all")

    assert (tmp_path / "documents/a.txt").read_bytes() == b"alpha"
    assert (tmp_path / "documents/c.txt").read_bytes() == b"c"
    assert not (tmp_path / "documents/broken.txt").exists()


def test_streamed_copy_to_local_is_skipped_the_second_time(live_and_staging: SimulatedB2, tmp_path: Path) -> None:
    put_live_files(live_and_staging, {"documents/a.txt": b"alpha"})
    local = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}
    with environments(local=local):
        run("--from", "default-live", "--to", "local", "--all")
        live_and_staging.calls.clear()

        out, _err = run("--from", "default-live", "--to", "local", "--all")

    assert "1 already there" in out
    assert live_and_staging.calls["b2_download_file_by_name"] == 0


def test_streams_from_local_into_b2_keeping_the_content_type(live_and_staging: SimulatedB2, tmp_path: Path) -> None:
    (tmp_path / "documents").mkdir()
    (tmp_path / "documents/page.html").write_bytes(b"<p>hi</p>")
    Document.objects.create(file="documents/page.html")
    local = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}

    with environments(local=local):
        out, _err = run("--from", "local", "--to", "default")
        again, _err = run("--from", "local", "--to", "default")
        staging = storages["default"]
        assert isinstance(staging, BackblazeB2Storage)
        assert staging.get_file_metadata("documents/page.html").content_type == "text/html"

    assert "1 copied" in out
    assert "1 already there" in again


# -- large files ---------------------------------------------------------------------------------


def test_large_file_is_copied_by_parts_inside_b2_and_then_skipped(small_parts_b2: SimulatedB2) -> None:
    b2 = small_parts_b2
    data = hashlib.sha256(b"seed").digest() * (11_000_000 // 32)
    b2.create_bucket("live-media")
    b2.create_bucket("staging-media")
    with environments():
        live, staging = storages["default-live"], storages["default"]
        live.save("videos/big.bin", ContentFile(data))
        b2.calls.clear()

        # Parts capped at 6 MB (B2's minimum is 5 MB): what b2sdk does past B2's 5 GB limit for
        # one b2_copy_file.
        report = copy_media(live, staging, ["videos/big.bin"], max_part_size=6_000_000)

        assert report.ok, report.failures
        assert b2.calls["b2_copy_part"] >= 2
        assert b2.calls["b2_download_file_by_name"] == 0
        assert b2.calls["b2_upload_part"] == 0
        with staging.open("videos/big.bin") as copied:
            assert hashlib.sha1(copied.read()).digest() == hashlib.sha1(data).digest()
        b2.calls.clear()

        again = copy_media(live, staging, ["videos/big.bin"])

        assert again.counts["skipped"] == 1
        assert b2.calls["b2_copy_part"] == b2.calls["b2_copy_file"] == 0


# -- SSE-C: the copy carries each side's key ---------------------------------------------------

LIVE_KEY = {"mode": "SSE-C", "key": b"k" * 32, "key_id": "live-key"}
STAGING_KEY = {"mode": "SSE-C", "key": b"s" * 32, "key_id": "staging-key"}


def test_encrypted_files_are_copied_inside_b2_with_each_sides_key(b2: SimulatedB2) -> None:
    b2.create_bucket("live-media")
    b2.create_bucket("staging-media")
    live = BackblazeB2Storage(bucket="live-media", server_side_encryption=LIVE_KEY)
    staging = BackblazeB2Storage(bucket="staging-media", server_side_encryption=STAGING_KEY)
    live.save("secret/report.pdf", ContentFile(b"for your eyes only"))
    b2.calls.clear()

    report = copy_media(live, staging, ["secret/report.pdf"])
    again = copy_media(live, staging, ["secret/report.pdf"])

    assert report.ok, report.failures
    assert again.counts["skipped"] == 1
    assert b2.calls["b2_copy_file"] == 1
    assert b2.calls["b2_download_file_by_name"] == 0
    with staging.open("secret/report.pdf") as copied:
        assert copied.read() == b"for your eyes only"
    assert staging.get_file_metadata("secret/report.pdf").file_info["sse_c_key_id"] == "staging-key"
    with pytest.raises(EncryptionKeyError):
        BackblazeB2Storage(bucket="staging-media", server_side_encryption=LIVE_KEY).open("secret/report.pdf").read()


def test_a_wrong_source_key_fails_that_file_with_advice(b2: SimulatedB2) -> None:
    b2.create_bucket("live-media")
    b2.create_bucket("staging-media")
    BackblazeB2Storage(bucket="live-media", server_side_encryption=LIVE_KEY).save("a.txt", ContentFile(b"a"))
    wrong_key = BackblazeB2Storage(bucket="live-media", server_side_encryption=STAGING_KEY)

    report = copy_media(wrong_key, BackblazeB2Storage(bucket="staging-media"), ["a.txt"])

    [failure] = report.failures
    assert failure.error is not None
    assert "EncryptionKeyError" in failure.error and "key it was uploaded with" in failure.error
    assert "kkkk" not in failure.error and "c3Nz" not in failure.error  # no key, raw or base64
    assert b2.file_names("staging-media") == []


def test_encrypted_files_stream_out_of_b2_decrypted(b2: SimulatedB2, tmp_path: Path) -> None:
    b2.create_bucket("live-media")
    live = BackblazeB2Storage(bucket="live-media", server_side_encryption=LIVE_KEY)
    live.save("secret/report.pdf", ContentFile(b"for your eyes only"))

    report = copy_media(live, FileSystemStorage(location=tmp_path), ["secret/report.pdf"])

    assert report.ok, report.failures
    assert (tmp_path / "secret/report.pdf").read_bytes() == b"for your eyes only"


def test_a_misconfigured_storage_is_a_one_line_error(live_and_staging: SimulatedB2) -> None:
    broken = {"BACKEND": B2_BACKEND, "OPTIONS": {"bukket": "typo"}}

    with environments(broken=broken), pytest.raises(CommandError, match="Unknown django-backblaze-b2 option") as error:
        run("--from", "broken", "--to", "default")

    assert "b2_check" in str(error.value)
