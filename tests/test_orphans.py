"""b2_orphans: files no row refers to are found, listed with sizes, and deleted on request."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError

from django_backblaze_b2.operations.orphans import DeleteOutcome, delete_orphans, find_orphans
from django_backblaze_b2.testing import SimulatedB2
from tests.mediaapp.models import Archive, Document
from tests.storage_settings import storages_setting

pytestmark = pytest.mark.django_db

B2_BACKEND = "django_backblaze_b2.storage.BackblazeB2Storage"


@pytest.fixture
def media(b2: SimulatedB2) -> Iterator[SimulatedB2]:
    with storages_setting(
        {
            "default": {"BACKEND": B2_BACKEND, "OPTIONS": {"bucket": "media-bucket", "location": "uploads"}},
            "staticfiles": {"BACKEND": "django_backblaze_b2.staticfiles.BackblazeB2StaticStorage"},
        }
    ):
        storage = storages["default"]
        for name, data in {
            "documents/kept.pdf": b"referenced",
            "attachments/kept.png": b"referenced too",
            "documents/orphan.pdf": b"12345",
            "old/deep/orphan.bin": b"1234567890",
        }.items():
            storage.save(name, ContentFile(data))
        Document.objects.create(file="documents/kept.pdf", attachment="attachments/kept.png")
        Document.objects.create(file="documents/missing-file.pdf")  # a row without a file is not our business
        yield b2


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("b2_orphans", "--min-age", "0", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_lists_orphans_with_sizes_and_a_total(media: SimulatedB2) -> None:
    out = run()

    assert "documents/orphan.pdf" in out
    assert "old/deep/orphan.bin" in out
    assert "kept" not in out.replace("Files referenced by", "")
    assert "5 B" in out and "10 B" in out
    assert "2 orphaned file(s), 15 B in total." in out
    assert len(media.file_names("media-bucket")) == 4  # listing deletes nothing


def test_delete_removes_orphans_and_keeps_referenced_files(media: SimulatedB2) -> None:
    out = run("--delete", "--no-input")

    assert "Deleted 2 file(s), 15 B." in out
    assert media.file_names("media-bucket") == ["uploads/attachments/kept.png", "uploads/documents/kept.pdf"]


def test_files_of_other_storages_and_outside_the_location_are_not_candidates(media: SimulatedB2) -> None:
    media.api().get_bucket_by_name("media-bucket").upload_bytes(b"not under uploads/", "elsewhere.txt")
    Archive.objects.create(file="archive/x.zip")

    run("--delete", "--no-input")

    assert "elsewhere.txt" in media.file_names("media-bucket")


def test_a_reference_created_during_the_run_is_respected(media: SimulatedB2) -> None:
    storage = storages["default"]
    scan = find_orphans(storage, min_age=timedelta(0))
    assert {found.file.name for found in scan} == {"documents/orphan.pdf", "old/deep/orphan.bin"}

    # Between listing and deleting, someone saves a row naming one of the orphans.
    Document.objects.create(file="old/deep/orphan.bin")
    outcomes: list[DeleteOutcome] = []
    report = delete_orphans(storage, scan, on_file=outcomes.append)

    assert [(o.name, o.action) for o in outcomes] == [("documents/orphan.pdf", "deleted")]
    assert report.counts["deleted"] == 1
    assert storage.exists("old/deep/orphan.bin")
    assert not storage.exists("documents/orphan.pdf")


def test_young_files_are_left_alone(media: SimulatedB2) -> None:
    out = io.StringIO()
    call_command("b2_orphans", "--delete", "--no-input", stdout=out)

    assert "0 orphaned file(s)" in out.getvalue()
    assert "2 unreferenced file(s) younger than 1 hour(s) left alone." in out.getvalue()
    assert len(media.file_names("media-bucket")) == 4


def test_deleting_asks_first(media: SimulatedB2, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("builtins.input", lambda prompt: "no")

    with pytest.raises(CommandError, match="Nothing deleted"):
        call_command("b2_orphans", "--min-age", "0", "--delete", stdout=io.StringIO())

    assert len(media.file_names("media-bucket")) == 4


def test_a_storage_no_field_uses_is_refused(media: SimulatedB2) -> None:
    with pytest.raises(CommandError, match="No FileField of any installed model stores its files in this storage"):
        run("--storage", "staticfiles", "--delete", "--no-input")


def test_negative_min_age_is_refused(media: SimulatedB2) -> None:
    with pytest.raises(CommandError, match="--min-age must be zero or more"):
        call_command("b2_orphans", "--min-age", "-1", stdout=io.StringIO())
