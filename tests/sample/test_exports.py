"""Export my data: built by a task, streamed into an encrypted private bucket, served to its owner."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from b2sdk.v2 import SSE_B2_AES, EncryptionMode, EncryptionSetting
from b2sdk.v2.exception import ServiceError
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from django_backblaze_b2.testing import SimulatedB2
from showcase.models import DataExport, PrivateDocument
from showcase.shelves import SHELVES
from showcase.storages import export_storage

# Real transactions: the export task is queued when the request's transaction commits, and the
# immediate backend (the sample's default) runs it then, before the response is sent.
pytestmark = [pytest.mark.urls("sample_project.urls"), pytest.mark.django_db(transaction=True)]

EXPORTS_BUCKET = "sample-exports"


@pytest.fixture
def run_tasks() -> Callable[..., Any]:
    def run(client: Client, path: str) -> Any:
        return client.post(path, follow=True)

    return run


def upload_everywhere(client: Client) -> dict[str, bytes]:
    contents = {}
    for shelf in SHELVES:
        content = f"{shelf.slug} content ".encode() * 100
        client.post(f"/storages/{shelf.slug}/", {"file": SimpleUploadedFile(f"{shelf.slug}.txt", content)})
        contents[shelf.slug] = content
    return contents


def export_zip(client: Client) -> zipfile.ZipFile:
    export = DataExport.objects.get()
    response = client.get(f"/export/{export.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="alice-export-')
    return zipfile.ZipFile(io.BytesIO(response.getvalue()))


def test_an_export_holds_the_users_records_and_every_file_they_uploaded(
    alice: Client, bob: Client, b2: SimulatedB2, run_tasks: Callable[..., Any]
) -> None:
    contents = upload_everywhere(alice)
    upload_everywhere(bob)  # someone else's files stay out

    page = run_tasks(alice, "/export/").content.decode()

    assert "Your export is ready" in page
    archive = export_zip(alice)
    records = json.loads(archive.read("records.json"))
    assert records["user"]["username"] == "alice"
    assert sorted(f["storage"] for f in records["files"]) == sorted(s.storage_class for s in SHELVES)
    for entry in records["files"]:
        slug = entry["archive_path"].split("/")[1]
        assert archive.read(entry["archive_path"]) == contents[slug]
        assert entry["size"] == len(contents[slug])
    assert len(archive.namelist()) == len(SHELVES) + 1


def test_the_export_is_stored_in_its_private_bucket_under_exports_with_its_size(
    alice: Client, b2: SimulatedB2, run_tasks: Callable[..., Any], demo_users: dict[str, User]
) -> None:
    upload_everywhere(alice)
    run_tasks(alice, "/export/")
    export = DataExport.objects.get()
    assert export.status == DataExport.READY
    assert b2.file_names(EXPORTS_BUCKET) == [export.file.name]
    assert export.file.name.startswith(f"exports/{demo_users['alice'].pk}/")
    assert export.size == export_storage().size(export.file.name) > 0
    assert export.expires_at - export.ready_at == timedelta(days=7)
    (bucket,) = b2.api().list_buckets(bucket_name=EXPORTS_BUCKET)
    assert bucket.type_ == "allPrivate"
    assert bucket.lifecycle_rules == [
        {"fileNamePrefix": "exports/", "daysFromUploadingToHiding": 7, "daysFromHidingToDeleting": 1}
    ]


def test_exports_are_encrypted_even_in_a_bucket_without_default_encryption(
    alice: Client, b2: SimulatedB2, run_tasks: Callable[..., Any]
) -> None:
    # An old bucket, from before B2 encrypted by default.
    b2.create_bucket(EXPORTS_BUCKET, "allPrivate")
    b2.raw.bucket_name_to_bucket[EXPORTS_BUCKET].default_server_side_encryption = EncryptionSetting(EncryptionMode.NONE)
    run_tasks(alice, "/export/")
    export = DataExport.objects.get()
    version = b2.api().get_bucket_by_name(EXPORTS_BUCKET).get_file_info_by_name(export.file.name)
    assert version.server_side_encryption == SSE_B2_AES


def test_only_the_owner_can_download_an_export(
    alice: Client, bob: Client, staff: Client, client: Client, b2: SimulatedB2, run_tasks: Callable[..., Any]
) -> None:
    run_tasks(alice, "/export/")
    url = f"/export/{DataExport.objects.get().pk}/download/"
    assert alice.get(url).status_code == 200
    assert bob.get(url).status_code == 404
    assert staff.get(url).status_code == 404
    assert client.get(url)["Location"].startswith("/accounts/login/")


def test_an_expired_export_is_no_longer_served(alice: Client, b2: SimulatedB2, run_tasks: Callable[..., Any]) -> None:
    run_tasks(alice, "/export/")
    DataExport.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert alice.get(f"/export/{DataExport.objects.get().pk}/download/").status_code == 404
    assert "expired" in alice.get("/").content.decode()


def test_a_new_export_replaces_the_previous_one_and_its_file(
    alice: Client, b2: SimulatedB2, run_tasks: Callable[..., Any]
) -> None:
    run_tasks(alice, "/export/")
    first = DataExport.objects.get()
    run_tasks(alice, "/export/")
    second = DataExport.objects.get()
    assert second.pk != first.pk
    assert b2.file_names(EXPORTS_BUCKET) == [second.file.name]
    assert alice.get(f"/export/{first.pk}/download/").status_code == 404


def test_asking_again_while_an_export_is_being_prepared_keeps_it(alice: Client, b2: SimulatedB2, settings: Any) -> None:
    # Tasks are queued and never run, as with a busy worker.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    alice.post("/export/")
    pending = DataExport.objects.get()
    assert pending.status == DataExport.PENDING
    assert "being prepared" in alice.get("/").content.decode()

    page = alice.post("/export/", follow=True).content.decode()

    assert "still being prepared" in page
    assert DataExport.objects.get().pk == pending.pk


def test_an_export_that_fails_says_so_and_leaves_no_file(
    alice: Client, b2: SimulatedB2, run_tasks: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    # More upload failures than b2sdk's retries.
    b2.raw.set_upload_errors([ServiceError("503 service unavailable") for _ in range(10)])
    page = run_tasks(alice, "/export/").content.decode()
    b2.raw.upload_errors.clear()
    assert "Your export failed" in page
    assert DataExport.objects.get().status == DataExport.FAILED
    assert b2.file_names(EXPORTS_BUCKET) == []
    assert not any("key" in record.getMessage().lower() for record in caplog.records)


def test_exports_need_a_post_and_a_login(alice: Client, client: Client, b2: SimulatedB2) -> None:
    assert alice.get("/export/").status_code == 405
    assert client.post("/export/")["Location"].startswith("/accounts/login/")
    assert not DataExport.objects.exists()


def test_purge_exports_removes_expired_exports_and_their_files_only(
    alice: Client, bob: Client, b2: SimulatedB2, run_tasks: Callable[..., Any]
) -> None:
    run_tasks(alice, "/export/")
    run_tasks(bob, "/export/")
    expired = DataExport.objects.get(owner__username="alice")
    kept = DataExport.objects.get(owner__username="bob")
    DataExport.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    out = io.StringIO()

    call_command("purge_exports", stdout=out)

    assert "Removed 1 expired export(s)." in out.getvalue()
    assert list(DataExport.objects.all()) == [kept]
    assert b2.file_names(EXPORTS_BUCKET) == [kept.file.name]


def test_an_export_that_breaks_half_way_leaves_no_partial_archive(
    alice: Client, b2: SimulatedB2, run_tasks: Callable[..., Any], demo_users: dict[str, User]
) -> None:
    # A record whose name the storage refuses: the archive is already open when it is reached, and
    # closing it on the way out would upload what was written so far.
    upload_everywhere(alice)
    PrivateDocument.objects.update(file="../outside.txt")
    page = run_tasks(alice, "/export/").content.decode()
    assert "Your export failed" in page
    assert b2.file_names(EXPORTS_BUCKET) == []
