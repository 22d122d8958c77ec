"""``StaffStorage.mark_file`` (what ``manage.py b2_mark_files`` runs per name) against concurrent
writers and the files 7.0.0 left behind."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.files.base import ContentFile

from django_backblaze_b2 import access
from django_backblaze_b2.storages import StaffStorage
from django_backblaze_b2.testing import SimulatedB2


def upload_as_7_0_0(storage: StaffStorage, name: str, data: bytes, content_type: str = "application/pdf") -> None:
    """A file as 7.0.0 stored it: no access mark, the browser's content type as it came."""
    storage.bucket.upload_bytes(data, storage.b2_file_name(name), content_type=content_type)


def when_called(b2: SimulatedB2, api_name: str, action: Any) -> None:
    """Run ``action`` once, just before the simulated B2 executes the next ``api_name`` call: another
    process writing at that moment."""
    log = b2.calls
    original = log.record
    fired = False

    def record(name: str) -> None:
        nonlocal fired
        original(name)
        if name == api_name and not fired:
            fired = True
            action()

    log.record = record  # type: ignore[method-assign,assignment]


def test_a_save_between_the_head_and_the_copy_is_not_rolled_back(b2: SimulatedB2) -> None:
    """A staff user replaces ``minutes.txt`` while b2_mark_files is marking it: after the run the
    name must still give the new content (the copy of the old version must not shadow it)."""
    storage = StaffStorage()
    upload_as_7_0_0(storage, "minutes.txt", b"old minutes", "text/plain")
    when_called(
        b2, "b2_copy_file", lambda: upload_as_7_0_0(StaffStorage(), "minutes.txt", b"NEW minutes", "text/plain")
    )

    assert storage.mark_file("minutes.txt") == "changed meanwhile"  # a later run marks the new version

    with StaffStorage().open("minutes.txt") as file:
        assert file.read() == b"NEW minutes", "the concurrent save was rolled back by the mark's copy"


def test_a_7_0_0_file_with_a_hostile_type_and_no_extension_can_be_marked(b2: SimulatedB2) -> None:
    """7.0.0 stored whatever the browser sent: 'image/png, text/html' on a name without extension.
    Marking it must work (and store a safe type), not fail or lose the file."""
    storage = StaffStorage()
    upload_as_7_0_0(storage, "uploads/blob", b"<script>alert(1)</script>", "image/png, text/html")

    outcome = storage.mark_file("uploads/blob")

    assert outcome == "marked"
    metadata = storage.get_file_metadata("uploads/blob")
    assert access.marked_route(metadata.file_info) == "staff"
    assert "," not in metadata.content_type
    with storage.open("uploads/blob") as file:
        assert file.read() == b"<script>alert(1)</script>"


@pytest.mark.parametrize("size", [1000])
def test_marking_twice_keeps_one_version(b2: SimulatedB2, size: int) -> None:
    storage = StaffStorage()
    upload_as_7_0_0(storage, "a.pdf", b"x" * size)
    assert storage.mark_file("a.pdf") == "marked"
    assert storage.mark_file("a.pdf") == "already marked"
    assert b2.file_versions(storage.options.bucket, "a.pdf") == 1
    assert StaffStorage().save("b.pdf", ContentFile(b"y")) == "b.pdf"


def test_a_large_7_0_0_file_is_marked_whole(small_parts_b2: SimulatedB2) -> None:
    """Past the part size the copy is multi-part: the marked file has every byte and the mark."""
    storage = StaffStorage()
    data = bytes(range(256)) * (12 * 1024 * 1024 // 256)
    upload_as_7_0_0(storage, "video.mp4", data, "video/mp4")
    assert storage.mark_file("video.mp4") == "marked"
    metadata = storage.get_file_metadata("video.mp4")
    assert access.marked_route(metadata.file_info) == "staff"
    assert metadata.content_type == "video/mp4"
    with storage.open("video.mp4") as file:
        assert file.read() == data
    assert small_parts_b2.file_versions(storage.options.bucket, "video.mp4") == 1


@pytest.mark.django_db
def test_a_run_that_fails_half_way_loses_nothing_and_can_be_repeated() -> None:
    """Held: b2_copy_file failing for good on the second file stops the run with a CommandError;
    every file still has its bytes, and the next run finishes the job."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from django_backblaze_b2.testing import simulated_b2
    from tests.testapp.models import RouteFiles

    with simulated_b2(served=True) as served:
        staff = StaffStorage()
        for name in ("a.txt", "b.txt", "c.txt"):
            upload_as_7_0_0(staff, name, name.encode(), "text/plain")
            RouteFiles.objects.create(staff=name)
        served.server.faults.fail("b2_copy_file", times=None, status=400, code="bad_request", after=1)
        with pytest.raises(CommandError):
            call_command("b2_mark_files", stdout=StringIO())
        assert access.marked_route(StaffStorage().get_file_metadata("a.txt").file_info) == "staff"
        for name in ("a.txt", "b.txt", "c.txt"):
            with StaffStorage().open(name) as file:
                assert file.read() == name.encode()
        served.server.faults.clear()
        call_command("b2_mark_files", stdout=StringIO())
        for name in ("a.txt", "b.txt", "c.txt"):
            metadata = StaffStorage().get_file_metadata(name)
            assert access.marked_route(metadata.file_info) == "staff"
            assert served.file_versions(staff.options.bucket, name) == 1


def test_an_sse_c_7_0_0_file_is_marked_and_still_decrypts(settings: Any) -> None:
    """Held: the marking copy reads and writes with the storage's customer key."""
    from b2sdk.v2 import EncryptionAlgorithm, EncryptionKey, EncryptionMode, EncryptionSetting

    key = bytes(range(32))
    settings.BACKBLAZE_CONFIG = {
        **settings.BACKBLAZE_CONFIG,
        "server_side_encryption": {"mode": "SSE-C", "key_id": "k1", "key": key},
    }
    storage = StaffStorage()
    sse = EncryptionSetting(EncryptionMode.SSE_C, EncryptionAlgorithm.AES256, EncryptionKey(secret=key, key_id="k1"))
    storage.bucket.upload_bytes(b"vault", storage.b2_file_name("vault.bin"), encryption=sse)
    assert storage.mark_file("vault.bin") == "marked"
    metadata = StaffStorage().get_file_metadata("vault.bin")
    assert access.marked_route(metadata.file_info) == "staff"
    with StaffStorage().open("vault.bin") as file:
        assert file.read() == b"vault"
