"""b2_check: a clear report on every B2 storage, and a non-zero exit when one doesn't work."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from django_backblaze_b2.operations.check import capability_findings
from django_backblaze_b2.storage import BackblazeB2Storage
from django_backblaze_b2.testing import SimulatedB2
from tests.storage_settings import storages_setting

B2_BACKEND = "django_backblaze_b2.storage.BackblazeB2Storage"
STATIC_BACKEND = "django_backblaze_b2.staticfiles.BackblazeB2StaticStorage"


class Undeletable(BackblazeB2Storage):
    def delete(self, name: str) -> None:
        raise PermissionError("this key may not delete")


def configured(**aliases: dict[str, Any]) -> AbstractContextManager[None]:
    return storages_setting(aliases)


@pytest.fixture
def buckets(b2: SimulatedB2) -> Iterator[SimulatedB2]:
    b2.create_bucket("media-bucket", "allPrivate")
    b2.create_bucket("static-site", "allPublic")
    yield b2


def check(*args: str) -> str:
    out = io.StringIO()
    try:
        call_command("b2_check", *args, stdout=out, no_color=True)
    except CommandError as error:
        raise CommandError(f"{error}\n{out.getvalue()}") from error
    return out.getvalue()


def test_working_storages_pass_and_leave_nothing_behind(buckets: SimulatedB2) -> None:
    with configured(
        default={"BACKEND": B2_BACKEND, "OPTIONS": {"bucket": "media-bucket", "location": "uploads"}},
        staticfiles={"BACKEND": STATIC_BACKEND, "OPTIONS": {"bucket": "static-site"}},
    ):
        out = check()

    assert "default (BackblazeB2Storage, bucket 'media-bucket', location 'uploads')" in out
    assert "staticfiles (BackblazeB2StaticStorage, bucket 'static-site', location 'static')" in out
    assert out.count("ok    probe: wrote, read back and deleted a probe file") == 2
    assert "bucket 'static-site' exists (allPublic)" in out
    assert "All 2 B2 storage(s) work" in out
    assert buckets.file_names("media-bucket") == buckets.file_names("static-site") == []
    # Credentials never appear, not even the key id.
    assert "simulated-key" not in out
    assert buckets.key_id not in out and buckets.key not in out


def test_static_storage_on_a_private_bucket_fails(buckets: SimulatedB2) -> None:
    with (
        configured(staticfiles={"BACKEND": STATIC_BACKEND, "OPTIONS": {"bucket": "media-bucket"}}),
        pytest.raises(CommandError) as failure,
    ):
        check()

    report = str(failure.value)
    assert "1 problem(s) found" in report
    assert "FAIL  bucket: bucket 'media-bucket' is allPrivate" in report
    assert "make the bucket public (allPublic)" in report
    assert "probe" not in report  # no point writing to a bucket that can't serve the storage


def test_a_storage_that_cannot_delete_fails_and_names_the_step(buckets: SimulatedB2) -> None:
    with (
        configured(
            default={"BACKEND": B2_BACKEND, "OPTIONS": {"bucket": "media-bucket"}},
            broken={"BACKEND": f"{__name__}.Undeletable", "OPTIONS": {"bucket": "media-bucket"}},
        ),
        pytest.raises(CommandError) as failure,
    ):
        check()

    report = str(failure.value)
    assert "FAIL  probe: could not delete a probe file: PermissionError: this key may not delete" in report
    assert report.count("ok    probe") == 1  # "default" still passed


def test_only_the_named_storage_is_checked_and_probe_can_be_skipped(buckets: SimulatedB2) -> None:
    with configured(
        default={"BACKEND": B2_BACKEND, "OPTIONS": {"bucket": "media-bucket"}},
        staticfiles={"BACKEND": STATIC_BACKEND, "OPTIONS": {"bucket": "media-bucket"}},  # would fail
    ):
        buckets.calls.clear()
        out = check("--storage", "default", "--no-probe")

    assert "staticfiles" not in out
    assert "probe" not in out
    assert buckets.calls["b2_upload_file"] == 0


def test_a_missing_bucket_the_storage_would_create_is_a_warning(buckets: SimulatedB2) -> None:
    with configured(default={"BACKEND": B2_BACKEND, "OPTIONS": {"bucket": "not-yet-created"}}):
        out = check()

    assert "warn  bucket: bucket 'not-yet-created' does not exist yet; it is created on first use" in out
    assert "warn  probe: skipped" in out
    assert buckets.file_names("not-yet-created") == []


def test_no_b2_storage_configured_is_an_error(b2: SimulatedB2) -> None:
    with (
        configured(default={"BACKEND": "django.core.files.storage.InMemoryStorage"}),
        pytest.raises(CommandError, match=r"No storage in settings\.STORAGES uses a django-backblaze-b2 backend"),
    ):
        check()


def test_a_non_b2_alias_is_refused(b2: SimulatedB2) -> None:
    with (
        configured(default={"BACKEND": "django.core.files.storage.InMemoryStorage"}),
        pytest.raises(CommandError, match="'default' is a InMemoryStorage, not a B2 storage"),
    ):
        check("--storage", "default")


# -- the key's scope, as b2_authorize_account reports it --------------------------------------


def findings(allowed: dict[str, Any], **options: Any) -> list[tuple[str, str]]:
    storage = BackblazeB2Storage(bucket="media-bucket", **options)
    return [(finding.status, finding.message) for finding in capability_findings(allowed, storage)]


ALL = ["listBuckets", "listFiles", "readFiles", "writeFiles", "deleteFiles", "shareFiles"]


def test_a_full_key_is_fine() -> None:
    assert findings({"capabilities": ALL, "bucketName": None, "namePrefix": None}) == [
        ("ok", "the key can list, read, write and delete files")
    ]


def test_missing_capabilities_are_named_with_what_they_are_for() -> None:
    result = findings({"capabilities": ["listBuckets", "listFiles", "readFiles", "shareFiles"]})

    assert result == [("error", "the key lacks writeFiles (to save files), deleteFiles (to delete files)")]


def test_without_share_files_expiring_links_are_a_warning() -> None:
    result = findings({"capabilities": ALL[:-1]})

    assert ("warning", "the key lacks shareFiles, needed for expiring download links to files in a private bucket") in (
        result
    )


def test_a_key_for_another_bucket_or_prefix_is_an_error() -> None:
    assert ("error", "the key only reaches bucket 'other', not 'media-bucket'") in findings(
        {"capabilities": ALL, "bucketName": "other"}
    )
    result = findings(
        {"capabilities": ALL, "bucketName": "media-bucket", "namePrefix": "tenant-1/"}, location="tenant-2"
    )
    assert result[-1][0] == "error"
    assert "starting with 'tenant-1/'" in result[-1][1]
    assert findings(
        {"capabilities": ALL, "bucketName": "media-bucket", "namePrefix": "tenant-1/"}, location="tenant-1/docs"
    ) == [("ok", "the key can list, read, write and delete files")]
