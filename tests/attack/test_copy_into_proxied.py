"""``b2_copy_media`` into a proxied storage is a server-side copy into that storage: per the shared
contract it must carry the *destination's* access mark and only a normalized content type."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from django_backblaze_b2 import BackblazeB2Storage, access
from django_backblaze_b2.operations.copy import copy_media
from django_backblaze_b2.storages import LoggedInStorage, PublicStorage, StaffStorage
from django_backblaze_b2.testing import simulated_b2

pytestmark = pytest.mark.django_db


def test_a_server_side_copy_into_staff_storage_carries_the_staff_mark() -> None:
    """Copying a members' file into StaffStorage's bucket (a migration from one bucket per route to
    another layout): the copy keeps 'logged_in', so /b2l/ would serve it wherever staff and members
    share a place, and mark_file-style guarantees do not hold."""
    LoggedInStorage().save("minutes.pdf", ContentFile(b"%PDF members"))
    source = BackblazeB2Storage(bucket="django-members")
    report = copy_media(source, StaffStorage(), ["minutes.pdf"], workers=1)
    assert report.ok, report.failures
    copied = StaffStorage().get_file_metadata("minutes.pdf")
    assert access.marked_route(copied.file_info) == "staff", copied.file_info


def test_a_server_side_copy_stores_only_a_normalized_type() -> None:
    """A 7.0.0 file with the type a browser sent ('image/png, text/html') copied into PublicStorage's
    bucket: B2's own host would serve the copy with that type."""
    old = BackblazeB2Storage(bucket="old-site")
    old.bucket.upload_bytes(b"<script>alert(1)</script>", "avatar.png", content_type="image/png, text/html")
    report = copy_media(old, PublicStorage(), ["avatar.png"], workers=1)
    assert report.ok, report.failures
    copied = PublicStorage().get_file_metadata("avatar.png")
    assert copied.content_type == "image/png", copied.content_type
    assert access.marked_route(copied.file_info) == "public"


def test_a_streamed_copy_keeps_the_marks_a_server_side_copy_keeps() -> None:
    """b2_copy_media between plain storages (moving 7.0.0's shared bucket to a new one) keeps each
    file's mark when B2 copies it, but a streamed copy (another account, or a key that cannot read
    the source: b2_copy_file refused) drops every mark: the new shared bucket's files are then all
    unmarked, refused by /b2/ and /b2l/ until someone turns serve_unmarked_files on."""
    with simulated_b2(served=True) as served:
        old = BackblazeB2Storage(bucket="old-shared")
        for name, route in (("a.txt", "public"), ("b.txt", "staff")):
            old.bucket.upload_bytes(b"x", name, content_type="text/plain", file_info=access.mark_info(route))
        served.server.faults.fail("b2_copy_file", times=None, status=401, code="unauthorized")
        new = BackblazeB2Storage(bucket="new-shared")
        report = copy_media(old, new, ["a.txt", "b.txt"], workers=1)
        assert report.ok, report.failures
        assert report.counts["copied"] == 2
        assert served.calls["b2_upload_file"] >= 2  # B2 refused every copy: both were streamed
        marks = {name: access.marked_route(new.get_file_metadata(name).file_info) for name in ("a.txt", "b.txt")}
        assert marks == {"a.txt": "public", "b.txt": "staff"}
