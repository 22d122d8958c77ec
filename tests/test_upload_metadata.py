"""Per-file metadata: the headers B2 serves a file with, its content type and file info, storage-wide
and per file, on every upload path; and the refusals, which lose nothing."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from django_backblaze_b2 import BackblazeB2Storage
from django_backblaze_b2.access import MARK_KEY
from django_backblaze_b2.testing import SimulatedB2, simulated_b2

EXPIRES = "Wed, 21 Oct 2099 07:28:00 GMT"


def export_headers(name: str, content: Any) -> dict[str, str]:
    """What a project would write: exports download as attachments, hashed assets are immutable."""
    if name.startswith("exports/"):
        return {"Content-Disposition": f'attachment; filename="{os.path.basename(name)}"', "Cache-Control": "no-store"}
    if ".v1." in name:
        return {"Cache-Control": "public, max-age=31536000, immutable"}
    return {}


def csv_as_text(name: str, content: Any) -> dict[str, str]:
    return {"Content-Type": "text/plain; charset=utf-8"} if name.endswith(".csv") else {}


def bad_header(name: str, content: Any) -> dict[str, str]:
    return {"Location": "https://elsewhere.example"}


def test_storage_wide_headers_round_trip(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage(
        default_upload_headers={
            "Cache-Control": "max-age=86400",
            "content-language": "de",
            "Content-Encoding": "identity",
            "Expires": EXPIRES,
            "Content-Disposition": "inline",
        }
    )
    storage.save("a.txt", ContentFile(b"hallo"))
    metadata = storage.get_file_metadata("a.txt")
    assert metadata.cache_control == "max-age=86400"
    assert metadata.content_language == "de"
    assert metadata.content_encoding == "identity"
    assert metadata.expires == EXPIRES
    assert metadata.content_disposition == "inline"
    # ... and B2 sends them back with the bytes.
    downloaded = storage.download("a.txt")
    downloaded.response.close()
    assert downloaded.download_version.cache_control == "max-age=86400"
    assert downloaded.download_version.content_language == "de"


def test_headers_from_settings_and_arguments_merge_per_header(b2: SimulatedB2, settings: Any) -> None:
    settings.BACKBLAZE_CONFIG = {
        **settings.BACKBLAZE_CONFIG,
        "default_upload_headers": {"Cache-Control": "max-age=60", "Content-Language": "en"},
    }
    storage = BackblazeB2Storage(default_upload_headers={"Cache-Control": "no-cache"})
    storage.save("a.txt", ContentFile(b"x"))
    metadata = storage.get_file_metadata("a.txt")
    assert (metadata.cache_control, metadata.content_language) == ("no-cache", "en")


@pytest.mark.parametrize("function", ["tests.test_upload_metadata.export_headers", export_headers])
def test_per_file_headers_from_a_function(b2: SimulatedB2, function: Any) -> None:
    storage = BackblazeB2Storage(
        default_upload_headers={"Cache-Control": "max-age=60"}, upload_headers_function=function
    )
    storage.save("exports/2024-03.csv", ContentFile(b"a,b"))
    storage.save("static/app.v1.js", ContentFile(b"1"))
    storage.save("static/other.js", ContentFile(b"2"))
    export = storage.get_file_metadata("exports/2024-03.csv")
    assert export.content_disposition == 'attachment; filename="2024-03.csv"'
    assert export.cache_control == "no-store"
    assert export.content_type == "text/csv"
    assert storage.get_file_metadata("static/app.v1.js").cache_control == "public, max-age=31536000, immutable"
    assert storage.get_file_metadata("static/other.js").cache_control == "max-age=60"


def test_per_file_metadata_by_overriding_the_hook(b2: SimulatedB2) -> None:
    class Invoices(BackblazeB2Storage):
        def get_upload_options(self, name: str, content: Any) -> dict[str, Any]:
            options = super().get_upload_options(name, content)
            options["file_info"] = {**(options["file_info"] or {}), "customer": name.split("/")[0]}
            options["content_disposition"] = "attachment"
            return options

    storage = Invoices(default_file_info={"source": "billing"})
    storage.save("acme/inv-1.pdf", ContentFile(b"%PDF"))
    metadata = storage.get_file_metadata("acme/inv-1.pdf")
    # Beside the storage's access mark: a plain storage's files are private (served by no proxy route).
    assert metadata.file_info == {"source": "billing", "customer": "acme", MARK_KEY: "private"}
    assert metadata.content_disposition == "attachment"
    assert metadata.content_type == "application/pdf"


def test_content_type_order(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage(upload_headers_function=csv_as_text)
    # The function wins over what the browser said ...
    storage.save("report.csv", SimpleUploadedFile("report.csv", b"a", content_type="application/vnd.ms-excel"))
    assert storage.get_file_metadata("report.csv").content_type == "text/plain; charset=utf-8"
    # ... what the browser said wins over the name ...
    storage.save("scan.bin", SimpleUploadedFile("scan.bin", b"%PDF", content_type="application/pdf"))
    assert storage.get_file_metadata("scan.bin").content_type == "application/pdf"
    # ... the name is a guess when nobody said ...
    storage.save("style.css", ContentFile(b"body{}"))
    assert storage.get_file_metadata("style.css").content_type == "text/css"
    # ... and without one, B2 decides (the in-process simulator keeps B2's "auto" marker as it is).
    storage.save("README", ContentFile(b"read me"))
    assert storage.get_file_metadata("README").content_type in ("b2/x-auto", "application/octet-stream")


def test_files_written_through_open_get_the_metadata_too(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage(
        default_upload_headers={"Cache-Control": "private"}, upload_headers_function=export_headers
    )
    with storage.open("exports/x.csv", "w") as file:
        file.write("a,b\n")
    metadata = storage.get_file_metadata("exports/x.csv")
    assert metadata.cache_control == "no-store"
    assert metadata.content_disposition == 'attachment; filename="x.csv"'
    assert metadata.content_type == "text/csv"


def test_large_files_get_the_metadata_too() -> None:
    with simulated_b2(recommended_part_size=5_000_000) as b2:
        storage = BackblazeB2Storage(
            default_upload_headers={"Cache-Control": "max-age=5"}, default_file_info={"kind": "video"}
        )
        storage.save("movie.mp4", ContentFile(os.urandom(11_000_000)))
        assert b2.calls["b2_upload_part"] >= 2
        metadata = storage.get_file_metadata("movie.mp4")
        assert metadata.cache_control == "max-age=5"
        assert metadata.content_type == "video/mp4"
        assert metadata.file_info["kind"] == "video"  # b2sdk adds large_file_sha1 beside it


# -- refusals --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "match"),
    [
        ({"Location": "/"}, "'Location', which B2 cannot store"),
        ({"Content-Type": "text/plain"}, "'Content-Type', which B2 cannot store"),  # per file only
        ({"Cache-Control": 60}, "must be a string"),
        ("max-age=60", "must be a dict"),
    ],
)
def test_bad_default_headers_fail_at_start_up(headers: Any, match: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=match):
        BackblazeB2Storage(default_upload_headers=headers)


@pytest.mark.parametrize("function", [42, "not_a_dotted_path"])
def test_a_bad_function_setting_fails_at_start_up(function: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="upload_headers_function"):
        BackblazeB2Storage(upload_headers_function=function)


@pytest.mark.parametrize(
    ("function", "match"),
    [
        ("tests.test_upload_metadata.no_such_function", "cannot be imported"),
        ("tests.test_upload_metadata.EXPIRES", "is not callable"),
        (bad_header, "'Location', which B2 cannot store"),
    ],
)
def test_a_broken_function_fails_the_save_and_stores_nothing(b2: SimulatedB2, function: Any, match: str) -> None:
    storage = BackblazeB2Storage(upload_headers_function=function)
    content = ContentFile(b"keep me")
    with pytest.raises(ImproperlyConfigured, match=match):
        storage.save("a.txt", content)
    assert b2.file_names("django") == []
    assert b2.calls["b2_upload_file"] == 0
    assert not content.closed and content.read() == b"keep me"  # the caller's file is intact


def test_a_copy_keeps_the_headers_and_file_info(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage(
        default_upload_headers={"Cache-Control": "max-age=9"}, default_file_info={"owner": "ops"}
    )
    storage.save("a.json", ContentFile(b"{}"))
    storage.copy("a.json", "b.json")
    copied = storage.get_file_metadata("b.json")
    assert (copied.cache_control, copied.content_type, copied.file_info) == (
        "max-age=9",
        "application/json",
        {"owner": "ops", MARK_KEY: "private"},
    )


def test_a_full_file_info_keeps_a_plain_files_entries_and_refuses_a_proxied_one_clearly(b2: SimulatedB2) -> None:
    """B2 keeps 10 file info entries a file: a plain storage's private mark gives way to the project's
    own; a proxied storage's mark cannot, and the upload says what to drop (before any B2 call)."""
    from django.core.exceptions import ImproperlyConfigured

    from django_backblaze_b2.storages import StaffStorage

    full = {f"k{i}": "v" for i in range(10)}
    plain = BackblazeB2Storage(default_file_info=full)
    plain.save("full.txt", ContentFile(b"x"))
    assert plain.get_file_metadata("full.txt").file_info == full
    b2.calls.clear()
    with pytest.raises(ImproperlyConfigured, match="at most 10 file info entries"):
        StaffStorage(default_file_info=full).save("full.txt", ContentFile(b"x"))
    assert b2.calls["b2_upload_file"] == 0
