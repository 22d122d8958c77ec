"""Offload mode (``proxy_offload``): the view answers for nginx, and a real nginx serves the bytes from B2.

The nginx tests start Debian's nginx from a generated configuration on a free loopback port, in front of
a Django server thread and the local B2 server. Without nginx they are skipped, and fail under ``CI=true``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.test import Client

from benchmarks import nginx
from django_backblaze_b2 import access, http
from django_backblaze_b2.checks.offload import check_offload
from django_backblaze_b2.options import resolve
from django_backblaze_b2.proxy import routes, views
from django_backblaze_b2.testing import SimulatedB2, simulated_b2

from .conftest import PublicStorage, Put, StaffStorage, body, data_of

pytestmark = pytest.mark.django_db

LOCATION = "/_b2/"
SIZE = 3 * 1024 * 1024 + 5  # bigger than a chunk: the streaming view would stream it
DATA = data_of(SIZE)
#: What the view hands nginx, and never a browser.
INTERNAL = ("X-Accel-Redirect", "X-B2-Url", "X-B2-Authorization", "X-B2-Range")


@pytest.fixture
def offload(settings: Any) -> str:
    settings.BACKBLAZE_CONFIG = {**settings.BACKBLAZE_CONFIG, "proxy_offload": LOCATION}
    views.reset_storages()
    return LOCATION


@pytest.fixture
def stored(put: Put) -> str:
    put("docs/report.html", DATA, content_type="text/html", content_disposition="attachment; filename=b2.html")
    return "/b2/docs/report.html"


# -- the view's answer -----------------------------------------------------------------------------


def test_a_get_is_handed_to_nginx_with_a_token_for_that_file_only(
    client: Client, offload: str, stored: str, b2: SimulatedB2
) -> None:
    response = client.get(stored)
    assert response.status_code == 200
    assert not response.streaming and response.content == b""  # no Django worker moves the bytes
    assert response["X-Accel-Redirect"] == LOCATION
    storage = views.route_storage(PublicStorage)
    assert response["X-B2-Url"] == storage.b2_url("docs/report.html")
    assert "Range" not in response.headers and "X-B2-Range" not in response
    # The library's safe-serving headers, for nginx to pass on.
    assert response["Content-Type"] == "text/html"
    assert response["Content-Disposition"] == 'attachment; filename="report.html"'
    assert response["Content-Security-Policy"] == http.SANDBOX_CSP
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    downloads = b2.calls["b2_download_file_by_name"]
    assert downloads == 0  # nginx downloads, not the view


def test_nothing_is_handed_to_nginx_in_a_place_a_more_private_storage_shares(
    client: Client, offload: str, put: Put, settings: Any, b2: SimulatedB2
) -> None:
    """nginx fetches by name after the view's check: where staff files live beside public ones, a staff
    save under the name could be what it fetches, so the route streams (checked version and all)."""
    settings.BACKBLAZE_CONFIG = {**settings.BACKBLAZE_CONFIG, "specific_bucket_names": {}}  # one shared bucket
    views.reset_storages()
    routes.shared_places.reset()
    put("payroll.pdf", b"secret", StaffStorage)
    put("notice.txt", b"public notice", PublicStorage)
    refused = client.get("/b2/payroll.pdf")
    assert refused.status_code == 404
    assert not any(header in refused for header in INTERNAL)
    streamed = client.get("/b2/notice.txt")
    assert streamed.status_code == 200 and not any(header in streamed for header in INTERNAL)
    assert body(streamed) == b"public notice"
    assert b2.calls["b2_get_download_authorization"] == 0
    routes.shared_places.reset()


def test_a_range_is_decided_by_the_view_and_asked_of_b2_exactly(client: Client, offload: str, stored: str) -> None:
    response = client.get(stored, headers={"Range": "bytes=10-19"})
    assert response.status_code == 206
    assert response["X-B2-Range"] == "bytes=10-19"
    assert "Content-Range" not in response  # B2's 206 carries it
    several = client.get(stored, headers={"Range": "bytes=0-1,3000000-3000001"})
    assert several.status_code == 200 and "X-B2-Range" not in several  # the whole file, as when streaming


@pytest.mark.parametrize(
    ("headers", "status"),
    [({"Range": f"bytes={SIZE}-"}, 416), ({"If-Match": '"nope"'}, 412)],
)
def test_answers_without_a_body_never_reach_nginx(
    client: Client, offload: str, stored: str, headers: dict[str, str], status: int
) -> None:
    response = client.get(stored, headers=headers)
    assert response.status_code == status
    assert not any(header in response for header in INTERNAL)


def test_a_304_and_a_head_are_answered_by_the_view(client: Client, offload: str, stored: str, b2: SimulatedB2) -> None:
    etag = client.get(stored)["ETag"]
    not_modified = client.get(stored, headers={"If-None-Match": etag})
    head = client.head(stored)
    for response in (not_modified, head):
        assert not any(header in response for header in INTERNAL)
    assert not_modified.status_code == 304
    assert head.status_code == 200 and head["Content-Length"] == str(SIZE)


def test_the_route_rules_and_the_access_mark_come_first(
    client: Client, offload: str, put: Put, settings: Any, django_user_model: Any
) -> None:
    # One shared bucket (7.0.0's default): only each file's access mark keeps staff files off /b2/. A
    # bucket of its own: the test project's plain storages use "django", which counts as a private place.
    settings.BACKBLAZE_CONFIG = {
        **settings.BACKBLAZE_CONFIG,
        "bucket": "offload-shared",
        "specific_bucket_names": {"public": None, "logged_in": None, "staff": None},
    }
    views.reset_storages()
    routes.shared_places.reset()
    put("payroll.pdf", b"secret", StaffStorage)
    for headers in ({}, {"Range": "bytes=2-3"}):
        refused = client.get("/b2/payroll.pdf", headers=headers)
        assert refused.status_code == 404 and "X-Accel-Redirect" not in refused
    assert client.get("/b2s/payroll.pdf")["Location"].startswith("/accounts/login/")
    client.force_login(django_user_model.objects.create_user("boss", is_staff=True))
    assert client.get("/b2s/payroll.pdf")["X-Accel-Redirect"] == LOCATION


def test_a_missing_file_is_a_404_from_the_view(client: Client, offload: str) -> None:
    response = client.get("/b2/missing.bin")
    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response


def test_the_token_is_reused_for_one_file_and_new_for_another(
    client: Client, offload: str, stored: str, put: Put, b2: SimulatedB2
) -> None:
    put("other.bin", b"other")
    first, again, other = (client.get(path)["X-B2-Authorization"] for path in (stored, stored, "/b2/other.bin"))
    assert first == again != other
    assert b2.calls["b2_get_download_authorization"] == 2


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("_b2/", "starting with one '/'"),
        ("//cdn.example/", "starting with one '/'"),
        ("/_b2/?x=1", "'?'"),
        ("/b 2/", "spaces"),
        (True, "not bool"),
    ],
)
def test_a_wrong_location_is_refused_with_what_to_write(value: Any, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="proxy_offload") as error:
        resolve({"proxy_offload": value})
    assert message in str(error.value)


def test_offload_and_redirect_mode_exclude_each_other() -> None:
    with pytest.raises(ImproperlyConfigured, match="Keep one"):
        resolve({"proxy_offload": LOCATION, "proxy_redirect_expiry": 60})


def test_the_documented_nginx_location_is_the_tested_one() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "proxy-views.md"
    assert http.nginx_location(LOCATION) in docs.read_text()


def test_the_location_hides_the_access_mark() -> None:
    assert f"proxy_hide_header x-bz-info-{access.MARK_KEY.lower()};" in http.nginx_location()


def test_offload_under_debug_is_a_warning(settings: Any) -> None:
    settings.BACKBLAZE_CONFIG = {**settings.BACKBLAZE_CONFIG, "proxy_offload": LOCATION}
    settings.DEBUG = True
    (warning,) = check_offload()
    assert warning.id == "django_backblaze_b2.W090"
    assert warning.id in {message.id for message in checks.run_checks()}  # registered with Django
    assert "arrive empty" in warning.msg and "nginx_location()" in str(warning.hint)
    settings.DEBUG = False
    assert check_offload() == []
    settings.DEBUG = True
    settings.BACKBLAZE_CONFIG = {k: v for k, v in settings.BACKBLAZE_CONFIG.items() if k != "proxy_offload"}
    assert check_offload() == []


def test_offload_is_off_by_default() -> None:
    assert resolve({}).proxy_offload is None


# -- through a real nginx --------------------------------------------------------------------------


def nginx_binary() -> str:
    found = nginx.nginx_binary()
    if found:
        return found
    reason = "nginx is not installed (apt-get install nginx, or make pytest as root on Debian)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}: the offload tests must run in CI.", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def b2() -> Iterator[SimulatedB2]:
    """This module's B2 is always the local B2 server (nginx must reach it over HTTP)."""
    views.reset_storages()
    with simulated_b2(served=True) as simulated:
        yield simulated
    views.reset_storages()


@pytest.fixture
def django_url(offload: str) -> Iterator[str]:
    server = ThreadedWSGIServer(("127.0.0.1", 0), WSGIRequestHandler, allow_reuse_address=False)
    server.daemon_threads = True
    server.set_app(WSGIHandler())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def nginx_url(tmp_path: Path, django_url: str) -> Iterator[str]:
    """The system's nginx (``benchmarks.nginx``) on a free port, in front of the Django server thread."""
    nginx_binary()
    with nginx.running(tmp_path, django_url, LOCATION) as (url, _pid):
        yield url


def test_nginx_serves_the_bytes_with_the_views_headers(nginx_url: str, stored: str, b2: SimulatedB2) -> None:
    response = requests.get(nginx_url + stored, timeout=30)
    assert response.status_code == 200
    assert response.content == DATA
    assert response.headers["Content-Length"] == str(SIZE)
    # The library's headers, once each (requests joins repeated ones with ", "), not B2's.
    assert response.headers["Content-Type"] == "text/html"
    assert response.headers["Content-Disposition"] == 'attachment; filename="report.html"'
    assert response.headers["Content-Security-Policy"] == http.SANDBOX_CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["ETag"].startswith('"')
    assert response.headers["Last-Modified"].endswith(" GMT")
    leaked = [h for h in response.headers if h.lower().startswith(("x-bz-", "x-b2-", "x-accel"))]
    assert leaked == []
    assert b2.calls["b2_download_file_by_name"] == 1  # nginx's download


def test_nginx_passes_ranges_and_conditional_answers(nginx_url: str, stored: str) -> None:
    with requests.Session() as session:
        first = session.get(nginx_url + stored, headers={"Range": "bytes=1000-"}, timeout=30)
        assert first.status_code == 206
        assert first.content == DATA[1000:]
        assert first.headers["Content-Range"] == f"bytes 1000-{SIZE - 1}/{SIZE}"
        suffix = session.get(nginx_url + stored, headers={"Range": "bytes=-5"}, timeout=30)
        assert (suffix.status_code, suffix.content) == (206, DATA[-5:])
        # Two ranges far apart: the view decides on the whole file, and nginx must not ask B2 for them.
        several = session.get(nginx_url + stored, headers={"Range": "bytes=0-0,3000000-3000001"}, timeout=30)
        assert (several.status_code, len(several.content)) == (200, SIZE)
        etag = first.headers["ETag"]
        not_modified = session.get(nginx_url + stored, headers={"If-None-Match": etag}, timeout=30)
        assert (not_modified.status_code, not_modified.content) == (304, b"")
        stale = session.get(nginx_url + stored, headers={"Range": "bytes=0-9", "If-Range": '"old"'}, timeout=30)
        assert (stale.status_code, len(stale.content)) == (200, SIZE)
        beyond = session.get(nginx_url + stored, headers={"Range": f"bytes={SIZE}-"}, timeout=30)
        assert beyond.status_code == 416
