"""Every request kind on /b2/ against files marked for staff in 7.0.0's shared layout, including the
60-second metadata memo that Range requests use."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from django_backblaze_b2.proxy import routes, views
from django_backblaze_b2.storages import PublicStorage, StaffStorage

from ..views.conftest import body

pytestmark = pytest.mark.django_db

SHARED_BUCKET = {"public": None, "logged_in": None, "staff": None}


@pytest.fixture
def shared(settings: Any) -> None:
    settings.BACKBLAZE_CONFIG = {**settings.BACKBLAZE_CONFIG, "specific_bucket_names": SHARED_BUCKET}


REQUESTS = [
    ("GET", {}),
    ("GET", {"HTTP_RANGE": "bytes=0-"}),
    ("GET", {"HTTP_RANGE": "bytes=0-3"}),
    ("GET", {"HTTP_RANGE": "bytes=2-5"}),
    ("GET", {"HTTP_RANGE": "bytes=-3"}),
    ("GET", {"HTTP_RANGE": "bytes=0-1,4-5"}),
    ("GET", {"HTTP_RANGE": "bytes=0-1,8-9"}),
    ("GET", {"HTTP_RANGE": "bytes=100-"}),
    ("GET", {"HTTP_IF_NONE_MATCH": '"x"'}),
    ("GET", {"HTTP_IF_MODIFIED_SINCE": "Thu, 01 Jan 1970 00:00:00 GMT"}),
    ("GET", {"HTTP_IF_RANGE": '"x"', "HTTP_RANGE": "bytes=0-3"}),
    ("HEAD", {}),
    ("HEAD", {"HTTP_RANGE": "bytes=0-3"}),
]


@pytest.mark.parametrize(("method", "headers"), REQUESTS)
@pytest.mark.parametrize("query", ["", "?download", "?download=0"])
def test_a_staff_save_over_a_remembered_public_file_is_refused(
    shared: None, client: Client, method: str, headers: dict[str, Any], query: str
) -> None:
    """/b2/ learnt the public file's metadata (its memo, good for a minute); a staff save replaces
    the file from another storage instance (another process, say). No request kind serves it."""
    PublicStorage().save("notes.txt", ContentFile(b"public notes"))
    assert client.get("/b2/notes.txt", HTTP_RANGE="bytes=0-3").status_code == 206  # the memo now holds it
    StaffStorage(allow_file_overwrites=True).save("notes.txt", ContentFile(b"staff secret"))
    response = client.generic(method, f"/b2/notes.txt{query}", **headers)
    content = body(response)
    assert b"staff" not in content and b"secret" not in content
    assert response.status_code in (404, 412), response.status_code


@pytest.mark.parametrize(("method", "headers"), REQUESTS)
def test_staff_file_never_on_b2(shared: None, client: Client, method: str, headers: dict[str, Any]) -> None:
    StaffStorage().save("s.txt", ContentFile(b"staff secret"))
    views.reset_storages()
    routes.shared_places.reset()
    response = client.generic(method, "/b2/s.txt", **headers)
    assert b"secret" not in body(response)
    assert response.status_code == 404


def test_a_public_copy_of_a_staff_file_is_not_served_on_b2(shared: None, client: Client) -> None:
    """``PublicStorage().copy(name, new)`` with a name that is a staff file of the shared bucket (an
    app's "duplicate" action on a name from a request, say): the copy is re-marked 'public' and
    /b2/ serves the staff content. A copy should never lower the mark it copies."""
    StaffStorage().save("payroll.pdf", ContentFile(b"%PDF staff secret"))
    assert client.get("/b2/payroll.pdf").status_code == 404
    PublicStorage().copy("payroll.pdf", "duplicate.pdf")
    response = client.get("/b2/duplicate.pdf")
    assert b"secret" not in body(response)


SEPARATE = {"public": "public", "logged_in": "members", "staff": "staff"}


@pytest.mark.parametrize(
    "path",
    [
        "/b2/members/report.pdf",
        "/b2/../members/report.pdf",
        "/b2/%2e%2e/members/report.pdf",
        "/b2/..%2fmembers/report.pdf",
        "/b2/public/../members/report.pdf",
        "/b2//members/report.pdf",
        "/b2/.%2Fmembers%2Freport.pdf",
        "/b2/report.pdf/",
        "/b2/report.pdf%00",
        "/b2/REPORT.pdf",
        "/b2/report.pdf%20",
        "/b2/r%C3%A9port.pdf",
        "/b2/re\u0301port.pdf",
        "/b2l/../b2/report.pdf",
    ],
)
@pytest.mark.parametrize("layout", ["separate", "shared"])
def test_a_members_file_is_not_reached_through_b2_by_name_tricks(
    settings: Any, client: Client, path: str, layout: str
) -> None:
    from django_backblaze_b2.storages import LoggedInStorage

    places = {"specific_locations": SEPARATE} if layout == "separate" else {"specific_bucket_names": SHARED_BUCKET}
    settings.BACKBLAZE_CONFIG = {**settings.BACKBLAZE_CONFIG, **places}
    for name in ("report.pdf", "r\u00e9port.pdf", "re\u0301port.pdf", "REPORT.pdf"):
        LoggedInStorage().save(name, ContentFile(b"members only"))
    response = client.get(path)
    assert b"members only" not in body(response)


@pytest.mark.parametrize("how", ["save", "open"])
def test_a_large_staff_file_is_marked(shared: None, client: Client, small_parts_b2: Any, how: str) -> None:
    """Held: multi-part uploads (save of a big file, open(name, 'wb') streaming) carry the mark."""
    data = b"s" * (12 * 1024 * 1024)
    if how == "save":
        StaffStorage().save("big.bin", ContentFile(data))
    else:
        with StaffStorage().open("big.bin", "wb") as file:
            for start in range(0, len(data), 1024 * 1024):
                file.write(data[start : start + 1024 * 1024])
    metadata = StaffStorage().get_file_metadata("big.bin")
    assert metadata.content_sha1 is None  # it went up in parts
    assert metadata.file_info.get("django-b2-route") == "staff"
    ranges: list[dict[str, Any]] = [{}, {"HTTP_RANGE": "bytes=0-"}, {"HTTP_RANGE": "bytes=5000000-5000010"}]
    for headers in ranges:
        response = client.get("/b2/big.bin", **headers)
        assert response.status_code == 404
        body(response)


def test_sse_c_staff_files_are_refused_too(settings: Any, client: Client) -> None:
    """Held: SSE-C files (every route with the key) carry and check the mark like any other."""
    settings.BACKBLAZE_CONFIG = {
        **settings.BACKBLAZE_CONFIG,
        "specific_bucket_names": SHARED_BUCKET,
        "server_side_encryption": {"mode": "SSE-C", "key_id": "k1", "key": bytes(range(32))},
    }
    StaffStorage().save("vault.txt", ContentFile(b"staff secret"))
    PublicStorage().save("open.txt", ContentFile(b"public"))
    assert body(client.get("/b2/open.txt")) == b"public"
    kinds: list[dict[str, Any]] = [
        {},
        {"HTTP_RANGE": "bytes=0-"},
        {"HTTP_RANGE": "bytes=1-3"},
        {"HTTP_IF_NONE_MATCH": "*"},
    ]
    for headers in kinds:
        response = client.get("/b2/vault.txt", **headers)
        assert response.status_code == 404
        body(response)


@pytest.mark.parametrize(
    "file_info",
    [
        {"django-b2-route": "Staff"},
        {"django-b2-route": " staff"},
        {"django-b2-route": "public "},
        {"django-b2-route": "PUBLIC"},
        {"django-b2-route": ""},
        {"django-b2-route": "public,staff"},
        {"Django-B2-Route": "staff"},
        {"django_b2_route": "public"},
    ],
    ids=repr,
)
def test_marks_this_library_did_not_write_are_never_read_as_public(
    shared: None, client: Client, file_info: dict[str, str]
) -> None:
    """Held: a hand-written or tampered mark (case, whitespace, another key spelling) in 7.0.0's
    shared bucket is read as staff or as unmarked, both refused on /b2/ there."""
    StaffStorage().bucket.upload_bytes(b"staff secret", "hand.txt", content_type="text/plain", file_info=file_info)
    response = client.get("/b2/hand.txt")
    assert b"secret" not in body(response)
    assert response.status_code == 404


def test_the_mark_is_read_whatever_the_case_of_its_name_as_b2_does(shared: None, client: Client) -> None:
    """B2 lowercases file info names: a mark written by hand as DJANGO-B2-ROUTE is the mark, on the
    simulator (which keeps the case) as on B2."""
    StaffStorage().bucket.upload_bytes(b"public", "upper.txt", file_info={"DJANGO-B2-ROUTE": "public"})
    StaffStorage().bucket.upload_bytes(b"staff secret", "upper-staff.txt", file_info={"DJANGO-B2-ROUTE": "staff"})
    assert body(client.get("/b2/upper.txt")) == b"public"
    assert client.get("/b2/upper-staff.txt").status_code == 404
