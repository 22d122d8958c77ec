"""b2_copy_media and b2_orphans at scale: storages named directly, failing once up front, access-level
warnings, streamed listings (B2's byte order, non-ASCII names), and budgets in listings, not files."""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.core.management import call_command
from django.core.management.base import CommandError

from django_backblaze_b2.access import MARK_KEY
from django_backblaze_b2.operations.copy import CopyOutcome, copy_media
from django_backblaze_b2.operations.inventory import Cursor, StoredFile, inventory_of
from django_backblaze_b2.operations.orphans import DeleteOutcome, delete_orphans, find_orphans
from django_backblaze_b2.operations.references import References
from django_backblaze_b2.storage import BackblazeB2Storage
from django_backblaze_b2.storages import LoggedInStorage, PublicStorage, StaffStorage
from django_backblaze_b2.testing import SimulatedB2
from django_backblaze_b2.testing.server import LocalB2Server
from django_backblaze_b2.testing.simulator import MB
from tests.mediaapp.models import Archive, Document
from tests.storage_settings import storages_setting

pytestmark = pytest.mark.django_db

B2_BACKEND = "django_backblaze_b2.storage.BackblazeB2Storage"
# In B2's order (UTF-8 bytes): '-' < '/' < 'Z' < 'a' < 'é' < '中' < U+FF5E (fullwidth tilde) < U+1F600 (emoji).
# UTF-16 order (Java, JavaScript) would put the emoji before U+FF5E; a case-folding collation 'Z' after 'a'.
ODD_NAMES = [
    "docs/a-b.txt",
    "docs/a/b.txt",
    "docs/Zebra.txt",
    "docs/zebra.txt",
    "docs/é.txt",
    "docs/中文.txt",
    "docs/\uff5ewave.txt",
    "docs/😀.txt",
]


def run(command: str, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def media(b2: SimulatedB2) -> Iterator[SimulatedB2]:
    b2.create_bucket("live-media")
    b2.create_bucket("staging-media")
    with storages_setting(
        {
            "default": {"BACKEND": B2_BACKEND, "OPTIONS": {"bucket": "staging-media"}},
            "default-live": {"BACKEND": B2_BACKEND, "OPTIONS": {"bucket": "live-media"}},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ):
        yield b2


def upload(b2: SimulatedB2, bucket: str, names: list[str], data: bytes = b"x") -> None:
    target = b2.api().get_bucket_by_name(bucket)
    for name in names:
        target.upload_bytes(data, name)
    b2.calls.clear()


# -- the order of names ------------------------------------------------------------------------


def test_the_simulated_b2_lists_in_utf8_byte_order(media: SimulatedB2) -> None:
    upload(media, "live-media", list(reversed(ODD_NAMES)))

    listed = [name for name in media.file_names("live-media")]

    assert listed == sorted(ODD_NAMES, key=lambda name: name.encode()) == sorted(ODD_NAMES)


def test_references_stream_in_byte_order_whatever_order_the_rows_were_saved(media: SimulatedB2) -> None:
    Document.objects.bulk_create(Document(file=name, attachment=name) for name in reversed(ODD_NAMES))
    references = References.to(storages["default"])

    stream = references.sorted_names()

    assert iter(stream) is stream  # a generator: nothing is held
    assert list(stream) == sorted(ODD_NAMES, key=lambda name: name.encode())
    assert list(references.sorted_names("docs/a")) == ["docs/a/b.txt"]


def test_a_cursor_refuses_names_asked_out_of_order() -> None:
    cursor = Cursor(iter([StoredFile("a", 1), StoredFile("b", 1)]))
    assert cursor.find("b") is not None
    with pytest.raises(ValueError, match="sorted order"):
        cursor.find("a")


def test_copy_by_references_with_non_ascii_names(media: SimulatedB2) -> None:
    upload(media, "live-media", ODD_NAMES)
    Document.objects.bulk_create(Document(file=name) for name in ODD_NAMES)

    out, _err = run("b2_copy_media", "--from", "default-live", "--to", "default")

    assert f"{len(ODD_NAMES)} copied" in out and "0 failed" in out
    assert media.file_names("staging-media") == sorted(ODD_NAMES)


def test_orphans_with_non_ascii_names_are_found_exactly(media: SimulatedB2) -> None:
    upload(media, "staging-media", ODD_NAMES)
    referenced = ODD_NAMES[::2]
    Document.objects.bulk_create(Document(file=name) for name in referenced)

    scan = find_orphans(storages["default"], min_age=timedelta(0))

    assert [found.file.name for found in scan] == sorted(set(ODD_NAMES) - set(referenced))


# -- naming storages ---------------------------------------------------------------------------


def test_storages_can_be_named_by_route(media: SimulatedB2) -> None:
    public = PublicStorage()
    public.save("handouts/a.txt", ContentFile(b"for everyone"))

    out, err = run("b2_copy_media", "--from", "public", "--to", "logged_in", "--all")

    assert "1 copied" in out
    with LoggedInStorage().open("handouts/a.txt") as copied:
        assert copied.read() == b"for everyone"
    # The copy belongs to the destination's route: it carries its access mark, not the source's.
    assert PublicStorage().get_file_metadata("handouts/a.txt").file_info[MARK_KEY] == "public"
    assert LoggedInStorage().get_file_metadata("handouts/a.txt").file_info[MARK_KEY] == "logged_in"
    # Public media into the logged-in route: a warning, before anything is copied.
    assert "Warning: The source's files are for anyone, the destination's for logged-in users" in err


def test_a_copy_into_a_proxied_storage_is_marked_and_recognised_the_next_time(
    media: SimulatedB2, tmp_path: Path
) -> None:
    StaffStorage().save("reports/q1.pdf", ContentFile(b"%PDF"))
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports/q2.pdf").write_bytes(b"%PDF 2")
    local = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}

    with storages_setting({"local": local}):
        server_side, _err = run("b2_copy_media", "--from", "staff", "--to", "logged_in", "--all")
        streamed, _err = run("b2_copy_media", "--from", "local", "--to", "logged_in", "--all")
        again, _err = run("b2_copy_media", "--from", "staff", "--to", "logged_in", "--all")

    assert "1 copied" in server_side and "1 copied" in streamed
    assert "1 already there" in again
    members = LoggedInStorage()
    for name in ("reports/q1.pdf", "reports/q2.pdf"):
        assert members.get_file_metadata(name).file_info[MARK_KEY] == "logged_in"


def test_storages_can_be_named_by_model_field(media: SimulatedB2) -> None:
    archive = Archive.file.field.storage
    archive.save("archive/2024.zip", ContentFile(b"zip"))
    archive.save("archive/stray.zip", ContentFile(b"nobody's"))
    Archive.objects.create(file="archive/2024.zip")

    out, _err = run("b2_orphans", "--storage", "mediaapp.Archive.file", "--min-age", "0")
    copied, _err = run("b2_copy_media", "--from", "mediaapp.Archive.file", "--to", "default")

    assert "archive/stray.zip" in out and "1 orphaned file(s)" in out
    assert "1 copied" in copied
    assert media.file_names("staging-media") == ["archive/2024.zip"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("nowhere", r"No storage 'nowhere' in settings.STORAGES .* proxy route \(public, logged_in, staff\)"),
        ("mediaapp.Nope.file", r"No file field 'mediaapp.Nope.file'"),
        ("mediaapp.Document.title", r"'mediaapp.Document.title' is a CharField, not a FileField"),
    ],
)
def test_a_name_that_is_no_storage_is_refused(media: SimulatedB2, name: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run("b2_orphans", "--storage", name)


def test_copying_between_storages_of_one_access_level_says_nothing(media: SimulatedB2) -> None:
    upload(media, "live-media", ["a.txt"])

    _out, err = run("b2_copy_media", "--from", "default-live", "--to", "default", "--all")

    assert "Warning" not in err


# -- a destination that isn't there -------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[LocalB2Server]:
    with LocalB2Server(recommended_part_size=5 * MB) as running:
        yield running


def on_server(server: LocalB2Server, bucket: str, **options: Any) -> dict[str, Any]:
    return {
        "BACKEND": B2_BACKEND,
        "OPTIONS": {
            "realm": server.realm,
            "application_key_id": server.key_id,
            "application_key": server.key,
            "simulator": False,
            "account_info": {"type": "memory"},
            "bucket": bucket,
            **options,
        },
    }


def test_a_missing_destination_bucket_fails_once_before_copying(server: LocalB2Server) -> None:
    source = on_server(server, "live-media", non_existent_bucket_details={"bucket_type": "allPrivate"})
    with storages_setting({"live": source, "nowhere": on_server(server, "no-such-bucket")}):
        for i in range(30):
            storages["live"].save(f"documents/{i}.txt", ContentFile(b"data"))
        out, err = io.StringIO(), io.StringIO()

        with pytest.raises(CommandError) as failure:
            call_command("b2_copy_media", "--from", "live", "--to", "nowhere", "--all", stdout=out, stderr=err)

    assert "The destination storage's bucket 'no-such-bucket' does not exist" in str(failure.value)
    assert "Nothing was copied" in str(failure.value)
    assert "failed:" not in err.getvalue()  # not one line per file


# -- budgets and streaming ----------------------------------------------------------------------

MANY = 2500  # three listing pages


@pytest.fixture
def many_live_files(media: SimulatedB2) -> list[str]:
    names = [f"documents/{i:05}.txt" for i in range(MANY)]
    upload(media, "live-media", names)
    Document.objects.bulk_create(Document(file=name) for name in names)
    media.calls.clear()
    return names


def test_a_copy_reads_its_listings_as_it_goes(media: SimulatedB2, many_live_files: list[str]) -> None:
    listed_at_first_file: list[int] = []

    def on_file(outcome: CopyOutcome) -> None:
        if not listed_at_first_file:
            listed_at_first_file.append(media.calls["b2_list_file_names"])

    references = References.to(storages["default-live"], storages["default"])
    report = copy_media(
        storages["default-live"], storages["default"], references.sorted_names(), workers=2, on_file=on_file
    )

    assert report.counts["copied"] == MANY
    # When the first file is done, each bucket has given one page of its listing, not all three.
    assert listed_at_first_file == [2]
    assert media.calls["b2_list_file_names"] == math.ceil(MANY / 1000) + 1


def test_a_resumed_copy_costs_the_listings_only(media: SimulatedB2, many_live_files: list[str]) -> None:
    copy_media(storages["default-live"], storages["default"], many_live_files[: MANY // 2])
    media.calls.clear()

    out, _err = run("b2_copy_media", "--from", "default-live", "--to", "default")

    assert f"{MANY - MANY // 2} copied" in out and f"{MANY // 2} already there" in out
    assert media.calls["b2_copy_file"] == MANY - MANY // 2
    listings = media.calls["b2_list_file_names"]
    assert listings == math.ceil(MANY / 1000) + math.ceil((MANY // 2) / 1000)  # the source's and the destination's
    assert media.calls.billed == listings + media.calls["b2_copy_file"]


def test_deleting_orphans_costs_one_versions_listing_and_runs_in_parallel(media: SimulatedB2) -> None:
    names = [f"documents/{i:05}.txt" for i in range(MANY)]
    upload(media, "staging-media", names)
    Document.objects.bulk_create(Document(file=name) for name in names[:100])
    listed_at_first_delete: list[int] = []
    threads: set[str] = set()

    def on_file(outcome: DeleteOutcome) -> None:
        if not listed_at_first_delete:
            listed_at_first_delete.append(media.calls["b2_list_file_versions"])

    original = media.raw.delete_file_version

    def delete_file_version(*args: Any, **kwargs: Any) -> Any:
        threads.add(threading.current_thread().name)
        return original(*args, **kwargs)

    media.raw.delete_file_version = delete_file_version
    report = delete_orphans(storages["default"], min_age=timedelta(0), workers=4, on_file=on_file)

    assert report.counts["deleted"] == MANY - 100
    assert media.file_names("staging-media") == names[:100]
    assert media.calls["b2_list_file_versions"] == math.ceil(MANY / 1000)  # not one per orphan
    assert media.calls["b2_list_file_names"] == 0
    assert media.calls.by_class()["B"] == 0
    assert listed_at_first_delete == [1]  # streamed: the first deletes come before the listing ends
    assert len(threads) > 1


def test_orphans_command_budget(media: SimulatedB2) -> None:
    names = [f"documents/{i:05}.txt" for i in range(1200)]
    upload(media, "staging-media", names)
    staging = storages["default"]
    assert isinstance(staging, BackblazeB2Storage)
    staging.bucket  # noqa: B018 - authorized, bucket known: the same for any deployment
    media.calls.clear()

    out, _err = run("b2_orphans", "--min-age", "0", "--delete", "--no-input")

    assert "1200 orphaned file(s)" in out and "Deleted 1200 file(s)" in out
    assert media.calls.by_class() == {"A": 1200, "B": 0, "C": 2}


def test_a_row_saved_while_orphans_are_deleted_keeps_its_file(media: SimulatedB2) -> None:
    names = [f"documents/{i:04}.txt" for i in range(300)]
    upload(media, "staging-media", names)
    late = names[250]  # in the second batch of candidates, asked about again just before its deletes
    outcomes: dict[str, str] = {}

    def on_file(outcome: DeleteOutcome) -> None:
        if not outcomes:
            Document.objects.create(file=late)  # the merge has passed every reference by now
        outcomes[outcome.name] = outcome.action

    report = delete_orphans(storages["default"], min_age=timedelta(0), workers=1, on_file=on_file)

    assert outcomes[late] == "kept"
    assert report.counts == {"deleted": 299, "kept": 1}
    assert media.file_names("staging-media") == [late]


def test_a_local_storage_is_walked_in_b2s_order(tmp_path: Path) -> None:
    for name in [*ODD_NAMES, "docs.txt", "docs-2/x.txt", "top.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)

    walked = [stored.name for stored in inventory_of(FileSystemStorage(location=tmp_path)).files()]

    assert walked == sorted(walked, key=lambda name: name.encode())
    assert len(walked) == len(ODD_NAMES) + 3


def test_orphans_of_a_local_storage(media: SimulatedB2, tmp_path: Path) -> None:
    local = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}
    for name in ODD_NAMES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    with storages_setting({"default": local}):
        Document.objects.bulk_create(Document(file=name) for name in ODD_NAMES[1:])

        out, _err = run("b2_orphans", "--min-age", "0", "--delete", "--no-input")

    assert "1 orphaned file(s)" in out and "Deleted 1 file(s)" in out
    assert not (tmp_path / ODD_NAMES[0]).exists()
    assert all((tmp_path / name).exists() for name in ODD_NAMES[1:])
