"""Direct uploads in Chromium: the sample's /large-uploads/ page under runserver, on the local B2 server
(a process of its own, reached over HTTP and CORS as Backblaze is).

The large file is ``B2_E2E_DIRECT_UPLOAD_MB`` megabytes: 300 by default under CI, 160 elsewhere (the
machine may be shared). It uploads with progress events; half-way the connection to B2 drops (the local
server fails every later part) and the page is reloaded; the same file chosen again resumes with the parts
B2 holds, and reads back byte-exact from B2 after the form is saved.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from b2sdk.v2 import B2Api, InMemoryAccountInfo

from benchmarks.sample_deployment import background, demo_password, free_port, sample_environment, wait_until_serving
from django_backblaze_b2.testing.server import LocalB2Server

from .conftest import ARTIFACTS, sample_workdir

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
MEGABYTES = int(os.environ.get("B2_E2E_DIRECT_UPLOAD_MB", "300" if CI else "160"))
PART_SIZE = 16 * 1024 * 1024  # DirectUploadField's default
BUCKET = "sample-private"  # BackblazeB2Storage's bucket in the sample on a local B2 server


@dataclass
class Site:
    base_url: str
    realm: str
    key_id: str
    key: str
    faults: Any

    def b2(self) -> B2Api:
        api = B2Api(InMemoryAccountInfo())
        api.authorize_account(self.realm, self.key_id, self.key)
        return api


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, prepared_database: Path) -> Iterator[Site]:
    workdir = sample_workdir(tmp_path_factory, prepared_database, "direct-uploads")
    with LocalB2Server.spawn() as b2:
        env = {**sample_environment(workdir), "B2_REALM": b2.realm}
        base_url = f"http://127.0.0.1:{free_port()}"
        command = [sys.executable, "manage.py", "runserver", base_url.removeprefix("http://"), "--noreload"]
        log_path = workdir / "runserver.log"
        with background(command, env, log_path, keep_log_as=ARTIFACTS / "e2e-direct-uploads.log") as server:
            wait_until_serving(base_url, server, log_path)
            yield Site(base_url, b2.realm, b2.key_id, b2.key, b2.faults)


@pytest.fixture(scope="module")
def large_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("direct") / "holiday.webm"
    with path.open("wb") as out:
        for _ in range(MEGABYTES):
            out.write(os.urandom(1_000_000))
    return path


def logged_in(browser: Any, site: Site, username: str) -> Any:
    context = browser.new_context(base_url=site.base_url)
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.console = []
    page.on("console", lambda message: page.console.append(message.text))
    page.goto("/accounts/login/?next=/large-uploads/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", demo_password(username))
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url("**/large-uploads/")
    record_events(page)
    return page


def record_events(page: Any) -> None:
    page.evaluate(
        """() => {
            window.b2events = [];
            for (const name of ["b2:progress", "b2:complete", "b2:error", "b2:through-django"]) {
                document.addEventListener(name, (e) => window.b2events.push({type: name, ...e.detail}));
            }
        }"""
    )


def wait_until(page: Any, condition: str, timeout: float = 30_000) -> None:
    """Wait for a JavaScript condition (polled with evaluate, which a page's CSP does not restrict, unlike
    wait_for_function); on timeout, fail with what the widget said and did."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(f"() => Boolean({condition})"):
        if time.monotonic() > deadline:
            status = page.text_content("[data-b2-status]")
            raise AssertionError(
                f"{condition}: status {status!r}, events {page.evaluate('window.b2events')[-5:]}, "
                f"console {page.console[-10:]}"
            )
        page.wait_for_timeout(200)


def events(page: Any, kind: str) -> list[dict[str, Any]]:
    return [event for event in page.evaluate("window.b2events") if event["type"] == kind]


def sha1_of(path: Path) -> str:
    digest = hashlib.sha1()
    with path.open("rb") as source:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def test_a_large_file_uploads_resumes_after_a_reload_and_reads_back_byte_exact(
    browser: Any, site: Site, large_file: Path
) -> None:
    size = large_file.stat().st_size
    parts = -(-size // PART_SIZE)
    held = parts // 2
    page = logged_in(browser, site, "alice")
    # Half-way the connection to B2 drops for good (every part after the first half fails), the
    # widget gives up after its retries, and the page goes away (a reload).
    site.faults.fail("b2_upload_part", times=None, status=503, after=held)
    try:
        page.set_input_files("input[type=file]", str(large_file))
        wait_until(page, "window.b2events.some(e => e.type === 'b2:error')", 300_000)
    finally:
        site.faults.clear()
    assert events(page, "b2:progress")[-1]["partsDone"] == held
    page.reload()
    record_events(page)
    page.set_input_files("input[type=file]", str(large_file))
    wait_until(page, "window.b2events.some(e => e.type === 'b2:complete' || e.type === 'b2:error')", 600_000)
    assert not events(page, "b2:error"), events(page, "b2:error")
    progress = events(page, "b2:progress")
    assert progress[-1]["loaded"] == size
    # The parts B2 held were not sent again (at least those the first page saw finish; B2 may hold a
    # part whose answer the dropped connection lost).
    assert held * PART_SIZE <= progress[-1]["resumed"] < size
    assert page.input_value("input[type=file]") == ""  # the form will post the reference, not the bytes

    page.click("#large-upload-save")
    page.wait_for_selector("#large-uploads tr[data-name]")
    name = page.get_attribute("#large-uploads tr[data-name]", "data-name")
    assert name == "large/holiday.webm"

    bucket = site.b2().get_bucket_by_name(BUCKET)
    downloaded = large_file.with_suffix(".back")
    bucket.download_file_by_name(name).save_to(str(downloaded))
    assert downloaded.stat().st_size == size
    assert sha1_of(downloaded) == sha1_of(large_file)
    downloaded.unlink()
    assert not [v.file_name for v, _ in bucket.ls("_b2_incoming", recursive=True)]  # moved, not copied


GRANT_AND_PART_URL = """async () => {
    const root = document.querySelector("[data-b2-direct-upload]");
    const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
    const post = async (url, body) => {
        const response = await fetch(url, {method: "POST", headers: {"Content-Type": "application/json",
            "X-CSRFToken": csrf}, body: JSON.stringify(body)});
        return {status: response.status, body: await response.json()};
    };
    const begun = await post(root.dataset.b2Begin, {ticket: root.dataset.b2Ticket, name: "big.bin",
        size: 20000000, type: "application/octet-stream"});
    const target = await post(root.dataset.b2PartUrl, {upload: begun.body.upload});
    return {grant: begun.body.upload, target: target.body};
}"""

TRY_TO_WRITE_ELSEWHERE = """async ({realm, target}) => {
    const statuses = {};
    const bytes = new Uint8Array(10);
    const sha1 = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-1", bytes)))
        .map((b) => b.toString(16).padStart(2, "0")).join("");
    // The part token as an account token: ask for an upload URL that could write any name.
    for (const call of ["b2_get_upload_url", "b2_list_file_names", "b2_finish_large_file", "b2_list_parts"]) {
        try {
            const response = await fetch(`${realm}/b2api/v2/${call}`, {method: "POST",
                headers: {"Authorization": target.authorizationToken}, body: "{}"});
            statuses[call] = response.status;
        } catch (error) { statuses[call] = "refused"; }
    }
    // The part URL's token on the upload-file endpoint, with a name of the page's choosing.
    const uploadFile = target.uploadUrl.replace("b2_upload_part", "b2_upload_file");
    try {
        const response = await fetch(uploadFile, {method: "POST", body: bytes, headers: {
            "Authorization": target.authorizationToken, "X-Bz-File-Name": "large/planted.html",
            "Content-Type": "text/html", "X-Bz-Content-Sha1": sha1}});
        statuses.b2_upload_file = response.status;
    } catch (error) { statuses.b2_upload_file = "refused"; }
    return statuses;
}"""


def test_a_page_cannot_write_another_name_or_finish_someone_elses_upload(browser: Any, site: Site) -> None:
    alice = logged_in(browser, site, "alice")
    granted = alice.evaluate(GRANT_AND_PART_URL)
    assert granted["target"]["uploadUrl"].startswith(site.realm)

    statuses = alice.evaluate(TRY_TO_WRITE_ELSEWHERE, {"realm": site.realm, "target": granted["target"]})
    assert statuses == {
        "b2_get_upload_url": 401,
        "b2_list_file_names": 401,
        "b2_finish_large_file": 401,
        "b2_list_parts": 401,
        "b2_upload_file": "refused",  # the bucket's CORS rules allow only b2_upload_part
    }
    # Outside a browser CORS stops nothing: B2 itself must refuse the part token for another name,
    # and for the parts of another upload.
    target = granted["target"]
    planted = requests.post(
        target["uploadUrl"].replace("b2_upload_part", "b2_upload_file"),
        data=b"<script>",
        headers={
            "Authorization": target["authorizationToken"],
            "X-Bz-File-Name": "large/planted.html",
            "Content-Type": "text/html",
            "X-Bz-Content-Sha1": hashlib.sha1(b"<script>").hexdigest(),
        },
        timeout=30,
    )
    assert planted.status_code in (400, 401, 404), planted.text
    other = alice.evaluate(GRANT_AND_PART_URL)["target"]
    chunk = b"x" * 5_000_000
    crossed = requests.post(
        other["uploadUrl"],
        data=chunk,
        headers={
            "Authorization": target["authorizationToken"],
            "X-Bz-Part-Number": "1",
            "X-Bz-Content-Sha1": hashlib.sha1(chunk).hexdigest(),
        },
        timeout=30,
    )
    assert crossed.status_code == 401, crossed.text

    bob = logged_in(browser, site, "bob")
    csrf = bob.input_value("input[name=csrfmiddlewaretoken]")
    for action in ("part-url", "parts", "complete", "cancel"):
        status = bob.evaluate(
            """async ({action, grant, csrf}) => (await fetch(`/b2-uploads/${action}`, {method: "POST",
                headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
                body: JSON.stringify({upload: grant, partSha1Array: []})})).status""",
            {"action": action, "grant": granted["grant"], "csrf": csrf},
        )
        assert status == 403, action

    names = [version.file_name for version, _ in site.b2().get_bucket_by_name(BUCKET).ls("", recursive=True)]
    assert "large/planted.html" not in names


def test_the_page_has_a_strict_script_policy_and_breaks_none_of_it(browser: Any, site: Site) -> None:
    page = logged_in(browser, site, "bob")
    response = page.reload()
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe-eval" not in policy
    # The upload tests above ran under this policy; the page broke none of it.
    assert not [message for message in page.console if "Content Security Policy" in message]
