"""The proxy views through Django's test client: bodies, ranges, validators, methods, headers."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.http import http_date

from django_backblaze_b2.testing import SimulatedB2

from .conftest import LoggedInStorage, PublicStorage, Put, body, data_of

pytestmark = pytest.mark.django_db

SIZE = 1000
DATA = data_of(SIZE)


@pytest.fixture
def stored(put: Put) -> str:
    put("media/clip.mp4", DATA, content_type="video/mp4")
    return "/b2/media/clip.mp4"


class TestWholeFile:
    def test_get(self, client: Client, stored: str) -> None:
        response = client.get(stored)
        assert response.status_code == 200
        assert not response.streaming  # a body of one chunk or less is read at once
        assert body(response) == DATA
        assert response["Content-Type"] == "video/mp4"
        assert response["Content-Length"] == str(SIZE)
        assert response["Accept-Ranges"] == "bytes"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"] == 'inline; filename="clip.mp4"'
        assert response["Cache-Control"] == "public, max-age=3600"
        assert response["ETag"].startswith('"') and len(response["ETag"]) == 42  # the content SHA-1
        assert response["Last-Modified"].endswith(" GMT")

    def test_content_type_is_what_b2_stored(self, client: Client, put: Put) -> None:
        put("notes.bin", b"hello", content_type="text/plain; charset=utf-8")
        response = client.get("/b2/notes.bin")
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert body(response) == b"hello"

    def test_empty_file(self, client: Client, put: Put) -> None:
        put("empty.txt", b"")
        for headers in ({}, {"Range": "bytes=0-0"}, {"Range": "bytes=-1"}):
            response = client.get("/b2/empty.txt", headers=headers)
            assert response.status_code == 200
            assert response["Content-Length"] == "0"
            assert body(response) == b""

    def test_etag_and_last_modified_are_stable(self, client: Client, stored: str) -> None:
        first, second = client.get(stored), client.get(stored)
        assert first["ETag"] == second["ETag"]
        assert first["Last-Modified"] == second["Last-Modified"]
        body(first), body(second)

    def test_download_query_makes_an_attachment(self, client: Client, stored: str) -> None:
        response = client.get(stored + "?download=1")
        assert response["Content-Disposition"] == 'attachment; filename="clip.mp4"'
        body(response)
        response = client.get(stored + "?download")
        assert response["Content-Disposition"].startswith("attachment;")
        body(response)
        response = client.get(stored + "?download=0")
        assert response["Content-Disposition"].startswith("inline")
        body(response)

    def test_non_ascii_name_round_trip(self, client: Client, put: Put) -> None:
        name = put("docs/Résumé été #1?.pdf", b"%PDF-1.4", content_type="application/pdf")
        url = PublicStorage().url(name)
        assert url == "/b2/docs/R%C3%A9sum%C3%A9%20%C3%A9t%C3%A9%20%231%3F.pdf"
        response = client.get(url)
        assert response.status_code == 200
        assert body(response) == b"%PDF-1.4"
        assert "filename*=UTF-8''R%C3%A9sum%C3%A9%20%C3%A9t%C3%A9%20%231%3F.pdf" in response["Content-Disposition"]


class TestRanges:
    @pytest.mark.parametrize(
        ("header", "start", "stop"),
        [
            ("bytes=0-0", 0, 1),
            ("bytes=0-1", 0, 2),
            ("bytes=1-1", 1, 2),
            ("bytes=1-", 1, SIZE),
            ("bytes=0-", 0, SIZE),
            ("bytes=998-", SIZE - 2, SIZE),
            ("bytes=999-", SIZE - 1, SIZE),
            ("bytes=999-999", SIZE - 1, SIZE),
            ("bytes=999-5000", SIZE - 1, SIZE),
            ("bytes=500-999", 500, SIZE),
            ("bytes=500-1000", 500, SIZE),
            ("bytes=100-199", 100, 200),
            ("bytes=-1", SIZE - 1, SIZE),
            ("bytes=-500", 500, SIZE),
            ("bytes=-1000", 0, SIZE),
            ("bytes=-5000", 0, SIZE),
            ("bytes=0-9, 5-19", 0, 20),  # overlapping ranges coalesce
        ],
    )
    def test_partial(self, client: Client, stored: str, header: str, start: int, stop: int) -> None:
        response = client.get(stored, headers={"Range": header})
        assert response.status_code == 206
        assert body(response) == DATA[start:stop]
        assert response["Content-Range"] == f"bytes {start}-{stop - 1}/{SIZE}"
        assert response["Content-Length"] == str(stop - start)
        assert response["Content-Type"] == "video/mp4"
        assert response["Accept-Ranges"] == "bytes"

    @pytest.mark.parametrize("header", ["bytes=1000-", "bytes=1000-1000", "bytes=5000-6000", "bytes=-0"])
    def test_unsatisfiable(self, client: Client, stored: str, b2: SimulatedB2, header: str) -> None:
        response = client.get(stored, headers={"Range": header})
        assert response.status_code == 416
        assert response["Content-Range"] == f"bytes */{SIZE}"
        assert b2.calls["b2_download_file_by_name"] == 0

    @pytest.mark.parametrize("header", ["bytes=5-1", "bytes=a-b", "lines=0-1", "bytes=0-0, 500-500", "bytes"])
    def test_ignored_gives_whole_file(self, client: Client, stored: str, header: str) -> None:
        response = client.get(stored, headers={"Range": header})
        assert response.status_code == 200
        assert body(response) == DATA

    def test_if_range(self, client: Client, stored: str) -> None:
        etag = client.head(stored)["ETag"]
        matching = client.get(stored, headers={"Range": "bytes=0-9", "If-Range": etag})
        assert matching.status_code == 206
        assert body(matching) == DATA[:10]
        stale = client.get(stored, headers={"Range": "bytes=0-9", "If-Range": '"0000"'})
        assert stale.status_code == 200
        assert body(stale) == DATA

    def test_head_ignores_range(self, client: Client, stored: str) -> None:
        response = client.head(stored, headers={"Range": "bytes=0-9"})
        assert response.status_code == 200
        assert response["Content-Length"] == str(SIZE)
        assert response.content == b""


class TestConditional:
    def test_if_none_match(self, client: Client, stored: str, b2: SimulatedB2) -> None:
        etag = client.head(stored)["ETag"]
        b2.calls.clear()
        response = client.get(stored, headers={"If-None-Match": etag})
        assert response.status_code == 304
        assert response.content == b""
        assert response["ETag"] == etag
        assert "Content-Disposition" not in response
        assert "Content-Type" not in response
        assert b2.calls.as_dict() == {"b2_get_file_info_by_name": 1}

    def test_if_none_match_weak_and_list(self, client: Client, stored: str) -> None:
        etag = client.head(stored)["ETag"]
        assert client.get(stored, headers={"If-None-Match": f'"x", W/{etag}'}).status_code == 304
        response = client.get(stored, headers={"If-None-Match": '"x"'})
        assert response.status_code == 200
        assert body(response) == DATA

    def test_if_modified_since(self, client: Client, stored: str) -> None:
        last_modified = client.head(stored)["Last-Modified"]
        assert client.get(stored, headers={"If-Modified-Since": last_modified}).status_code == 304
        response = client.get(stored, headers={"If-Modified-Since": http_date(0)})
        assert response.status_code == 200
        body(response)

    def test_if_match_and_if_unmodified_since(self, client: Client, stored: str) -> None:
        head = client.head(stored)
        assert client.get(stored, headers={"If-Match": '"other"'}).status_code == 412
        assert client.get(stored, headers={"If-Unmodified-Since": http_date(0)}).status_code == 412
        response = client.get(stored, headers={"If-Match": head["ETag"], "Range": "bytes=0-0"})
        assert response.status_code == 206
        assert body(response) == DATA[:1]
        response = client.get(stored, headers={"If-Unmodified-Since": head["Last-Modified"]})
        assert response.status_code == 200
        body(response)

    def test_overwritten_file_gets_a_new_etag(self, client: Client, put: Put, settings: Any) -> None:
        settings.BACKBLAZE_CONFIG = {**settings.BACKBLAZE_CONFIG, "allow_file_overwrites": True}
        put("v.txt", b"one")
        old = client.head("/b2/v.txt")["ETag"]
        put("v.txt", b"two")
        response = client.get("/b2/v.txt", headers={"If-None-Match": old})
        assert response.status_code == 200
        assert body(response) == b"two"
        assert response["ETag"] != old


class TestMethods:
    def test_head_downloads_nothing(self, client: Client, stored: str, b2: SimulatedB2) -> None:
        client.head(stored)
        b2.calls.clear()
        response = client.head(stored)
        assert response.status_code == 200
        assert response.content == b""
        assert response["Content-Length"] == str(SIZE)
        assert response["Content-Type"] == "video/mp4"
        assert b2.calls.as_dict() == {"b2_get_file_info_by_name": 1}

    @pytest.mark.parametrize("method", ["post", "put", "delete", "patch", "options", "trace"])
    def test_other_methods(self, client: Client, stored: str, b2: SimulatedB2, method: str) -> None:
        response = getattr(client, method)(stored)
        assert response.status_code == 405
        assert response["Allow"] == "GET, HEAD"
        assert b2.calls.total == 0


class TestActiveContent:
    @pytest.mark.parametrize(
        ("name", "content_type"),
        [
            ("x.html", "text/html"),
            ("x.svg", "image/svg+xml"),
            ("x.xml", "application/xml"),
            ("x.js", "text/javascript"),
            ("x.xhtml", "application/xhtml+xml"),
            ("x.unknown", "application/x-made-up"),
        ],
    )
    def test_never_inline(self, client: Client, put: Put, name: str, content_type: str) -> None:
        put(name, b"<script>alert(document.cookie)</script>", content_type=content_type)
        response = client.get(f"/b2/{name}")
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
        assert response["X-Content-Type-Options"] == "nosniff"
        body(response)

    def test_images_inline(self, client: Client, put: Put) -> None:
        put("p.png", b"\x89PNG", content_type="image/png")
        response = client.get("/b2/p.png")
        assert response["Content-Disposition"] == 'inline; filename="p.png"'
        assert "Content-Security-Policy" not in response
        body(response)


class TestNotFound:
    @pytest.mark.parametrize(
        "path",
        [
            "/b2/missing.txt",
            "/b2/<script>alert(1)</script>.html",
            "/b2/a/../secret.txt",
            "/b2/a//b.txt",
            "/b2/dir/",
            "/b2l/x/%2e%2e/y",
        ],
    )
    def test_generic_plain_404(self, admin_client: Client, path: str) -> None:
        response = admin_client.get(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert response.content == b"Not found\n"

    def test_head_of_missing(self, client: Client) -> None:
        assert client.head("/b2/missing.txt").status_code == 404


class TestRouteIsolation:
    def test_each_route_serves_its_own_location(self, admin_client: Client, put: Put, settings: Any) -> None:
        settings.BACKBLAZE_CONFIG = {
            **settings.BACKBLAZE_CONFIG,
            "specific_locations": {"public": "pub", "logged_in": "members", "staff": "staff"},
        }
        put("a.txt", b"public", PublicStorage)
        put("a.txt", b"members", LoggedInStorage)
        response = admin_client.get("/b2/a.txt")
        assert body(response) == b"public"
        response = admin_client.get("/b2l/a.txt")
        assert body(response) == b"members"
        assert admin_client.get("/b2s/a.txt").status_code == 404
        # No way up and out of a location.
        assert admin_client.get("/b2/../members/a.txt").status_code == 404

    def test_urls_reverse_the_routes(self, settings: Any) -> None:
        assert reverse("django_b2_storage:b2-public", args=["a b.txt"]) == "/b2/a%20b.txt"
        assert LoggedInStorage().url("dir/a b.txt") == "/b2l/dir/a%20b.txt"
        from django_backblaze_b2.storages import StaffStorage

        assert StaffStorage().url("ü.txt") == "/b2s/%C3%BC.txt"


def test_xframe_sameorigin(client: Client, stored: str) -> None:
    response = client.get(stored)
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    body(response)


class TestRepresentation:
    def metadata(self, **changes: Any) -> Any:
        from django_backblaze_b2.metadata import FileMetadata

        fields: dict[str, Any] = {
            "file_name": "k",
            "size": 10,
            "content_type": "b2/x-auto",
            "content_sha1": None,
            "file_id": "4_z123_f456",
            "upload_timestamp": 1_700_000_000_123,
        }
        return FileMetadata(**{**fields, **changes})

    def test_large_file_etag_is_the_file_id(self) -> None:
        from django_backblaze_b2.proxy.views import representation

        meta = representation(self.metadata(), "a.bin")
        assert meta.etag == '"id-4_z123_f456"'
        assert meta.last_modified is not None and meta.last_modified.timestamp() == 1_700_000_000.123

    def test_large_file_sha1_from_file_info(self) -> None:
        from django_backblaze_b2.proxy.views import representation

        sha1 = "a" * 40
        assert representation(self.metadata(file_info={"large_file_sha1": sha1}), "a").etag == f'"{sha1}"'
        assert representation(self.metadata(content_sha1="b" * 40), "a").etag == f'"{"b" * 40}"'
