"""A newcomer's tour of the sample app, in headless Chromium: log in, upload to every storage, follow
every link as anonymous, regular and staff users, export one's data and open the zip."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from showcase.demo import DEMO_USERS

pytestmark = pytest.mark.e2e

PASSWORDS = {demo.username: demo.password for demo in DEMO_USERS}
FILE, LOGIN = "the file", "the login page"
# Staff upload one file to each storage; what each visitor gets when following its link.
EXPECTED: dict[str, dict[str, str | int]] = {
    "private": {"anonymous": LOGIN, "alice": 404, "staff": FILE},  # staff own it
    "public": {"anonymous": FILE, "alice": FILE, "staff": FILE},
    "logged-in": {"anonymous": LOGIN, "alice": FILE, "staff": FILE},
    "staff": {"anonymous": LOGIN, "alice": 403, "staff": FILE},
}


def log_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORDS[username])
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#username")
    assert page.inner_text("#username") == username


def upload(page: Any, slug: str, name: str, content: bytes) -> str:
    """Uploads through the storage's page; returns the href of the file's download link."""
    page.goto(f"/storages/{slug}/")
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": "text/plain", "buffer": content}])
    page.click("#upload-form button[type=submit]")
    assert "Uploaded" in page.inner_text(".messages")
    row = page.locator("#files tr", has_text=name).first
    return str(row.locator("a.download").get_attribute("href"))


def download(page: Any, href: str) -> bytes:
    """Clicks a link to ``href`` on the current page and returns what the browser saved."""
    with page.expect_download() as started:
        page.click(f'a[href="{href}"]')
    return Path(started.value.path()).read_bytes()


def test_each_storage_gives_each_kind_of_user_what_the_page_promises(new_page: Callable[[], Any]) -> None:
    staff = new_page()
    log_in(staff, "staff")
    uploaded = {}
    for slug in EXPECTED:
        name = f"{slug}-{uuid.uuid4().hex[:8]}.txt"
        content = f"{slug} file for the tour\n".encode()
        uploaded[slug] = (upload(staff, slug, name, content), content)

    for who in ("anonymous", "alice", "staff"):
        page = staff if who == "staff" else new_page()
        if who == "alice":
            log_in(page, "alice")
        for slug, (href, content) in uploaded.items():
            expected = EXPECTED[slug][who]
            page.goto(f"/storages/{slug}/")
            if expected == FILE:
                assert download(page, href) == content, (who, slug)
            elif expected == LOGIN:
                page.click(f'a[href="{href}"]')
                page.wait_for_url(re.compile(r"/accounts/login/\?next="))
                assert page.is_visible("#login-form"), (who, slug)
            else:
                response = page.goto(href)
                assert response.status == expected, (who, slug)
                assert content.decode() not in page.content()


def test_a_user_exports_their_data_and_only_they_can_download_it(new_page: Callable[[], Any]) -> None:
    alice = new_page()
    log_in(alice, "alice")
    document = f"alice's secret {uuid.uuid4().hex}".encode()
    upload(alice, "private", "secret.txt", document)
    upload(alice, "public", "hello.txt", b"hello world")

    alice.goto("/")
    alice.click("#request-export")
    assert "Your export is ready" in alice.inner_text(".messages")
    assert "ready" in alice.inner_text("#export-status")
    href = str(alice.get_attribute("#export-download", "href"))
    archive = zipfile.ZipFile(io.BytesIO(download(alice, href)))

    records = json.loads(archive.read("records.json"))
    assert records["user"]["username"] == "alice"
    by_storage = {entry["storage"]: entry for entry in records["files"]}
    assert archive.read(by_storage["BackblazeB2Storage"]["archive_path"]) == document
    assert archive.read(by_storage["PublicStorage"]["archive_path"]) == b"hello world"

    bob = new_page()
    log_in(bob, "bob")
    assert bob.goto(href).status == 404
    anonymous = new_page()
    anonymous.goto(href)
    assert "/accounts/login/" in anonymous.url
