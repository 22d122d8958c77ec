"""Disguised HTML, SVG and XHTML uploads never run script in a real browser: opened by a staff member
from each proxy route, and from an expiring link straight to B2 (the local B2 server).

The uploads carry the Content-Type an attacker's browser would send (``image/png, text/html``...), in
7.0.0's default layout (all routes on one bucket). A script that runs leaves traces a later page can
see: the page title, a cookie and localStorage on the site's origin.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from django_backblaze_b2.connection import forget_connections
from django_backblaze_b2.proxy import routes, views
from django_backblaze_b2.storage import BackblazeB2Storage
from django_backblaze_b2.storages import LoggedInStorage, PublicStorage, StaffStorage
from django_backblaze_b2.testing.server import LocalB2Server

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCRIPT = "document.title='PWNED';document.cookie='pwned=1;path=/';try{localStorage.setItem('pwned','1')}catch(e){}"
HTML = f'<!doctype html><title>upload</title><script>{SCRIPT}</script><img src=x onerror="{SCRIPT}">'.encode()
SVG = f'<svg xmlns="http://www.w3.org/2000/svg" onload="{SCRIPT}"><script>{SCRIPT}</script></svg>'.encode()
XHTML = (
    '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>upload</title></head>'
    f"<body><script>{SCRIPT}</script></body></html>"
).encode()

# (name, what the browser sent as Content-Type, bytes)
UPLOADS = [
    ("photo.png", "image/png, text/html", HTML),
    ("clip.mp4", "video/mp4, text/html", HTML),
    ("shout.png", "IMAGE/PNG , TEXT/HTML", HTML),
    ("tight.png", "image/png,text/html", HTML),
    ("page.html", "image/png, text/html", HTML),
    ("page2.html", "text/html", HTML),
    ("notes.txt", "text/html; charset=utf-8", HTML),
    ("logo.svg", "image/svg+xml", SVG),
    ("logo2.png", "image/svg+xml", SVG),
    ("doc.xhtml", "application/xhtml+xml", XHTML),
    ("quoted.png", 'image/png; x="a,text/html"', HTML),
    ("unknown", "", HTML),
]
ROUTES = [(PublicStorage, "/b2/"), (LoggedInStorage, "/b2l/"), (StaffStorage, "/b2s/")]


@pytest.fixture(scope="module", autouse=True)
def database_beside_playwright() -> Iterator[None]:
    """Playwright's sync API keeps an event loop running in this thread, which Django takes for async
    code and refuses database access from; these tests run no async code. Module-scoped, so it is in
    place before each test's database set-up, and gone (for subprocesses too) after this module."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def b2_server() -> Iterator[LocalB2Server]:
    with LocalB2Server() as server:
        yield server


@pytest.fixture
def shared_bucket(b2_server: LocalB2Server, settings: Any) -> Iterator[None]:
    settings.BACKBLAZE_CONFIG = {
        "realm": b2_server.realm,
        "application_key_id": b2_server.key_id,
        "application_key": b2_server.key,
        "account_info": {"type": "memory"},
        "bucket": "uploads",
        "non_existent_bucket_details": {"bucket_type": "allPrivate"},
        "url_expiry": 300,
    }
    views.reset_storages()
    routes.shared_places.reset()
    yield
    views.reset_storages()
    routes.shared_places.reset()
    forget_connections()


def upload(storage: BackblazeB2Storage, name: str, content_type: str, data: bytes) -> str:
    content = ContentFile(data, name=name)
    content.content_type = content_type  # type: ignore[attr-defined]  # as an UploadedFile has it
    return storage.save(name, content)


def staff_context(browser: Any, live_server: Any, django_user_model: Any) -> Any:
    client = Client()
    client.force_login(django_user_model.objects.create_user("staffer", is_staff=True))
    context = browser.new_context(base_url=live_server.url, accept_downloads=True)
    context.set_default_timeout(15_000)
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"}]
    )
    return context


def opened_and_ran(page: Any, url: str) -> bool:
    """Open ``url``; whether a script of the document ran. A download is not a document."""
    from playwright.sync_api import Error

    try:
        page.goto(url, wait_until="load")
    except Error as error:
        if "Download is starting" in str(error):
            return False
        raise
    page.wait_for_timeout(150)  # onload/onerror handlers
    return bool(page.title() == "PWNED")


def traces(context: Any, page: Any, live_server: Any) -> list[str]:
    found = [cookie["name"] for cookie in context.cookies() if cookie["name"] == "pwned"]
    page.goto(f"{live_server.url}/b2/nothing-here")
    if page.evaluate("localStorage.getItem('pwned')"):
        found.append("localStorage")
    return found


def test_the_detector_sees_a_script_that_runs(browser: Any, live_server: Any) -> None:
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto(f"{live_server.url}/b2/nothing-here")
    page.set_content(HTML.decode())
    assert page.title() == "PWNED"
    assert traces(context, page, live_server) == ["pwned", "localStorage"]
    context.close()


def test_disguised_uploads_never_run_script(
    browser: Any, live_server: Any, shared_bucket: None, django_user_model: Any, b2_server: LocalB2Server
) -> None:
    urls = []
    for storage_class, route in ROUTES:
        storage = storage_class()
        for name, content_type, data in UPLOADS:
            saved = upload(storage, f"{storage_class.__name__}/{name}", content_type, data)
            urls.append(f"{live_server.url}{route}{saved}")
    direct = BackblazeB2Storage()
    for name, content_type, data in UPLOADS:
        urls.append(direct.url(upload(direct, f"direct/{name}", content_type, data)))  # an expiring link
    assert any("Authorization=" in url for url in urls)

    context = staff_context(browser, live_server, django_user_model)
    page = context.new_page()
    ran = [url for url in urls if opened_and_ran(page, url)]
    assert ran == []
    assert traces(context, page, live_server) == []
    context.close()
