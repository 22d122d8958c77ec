"""The sample app as deployed: gunicorn with several workers and a task worker, on the local B2
server (over HTTP, as against Backblaze). No browser: plain HTTP sessions, many requests, so that
every worker serves some of them."""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.sample_deployment import Deployment, Visitor, deploy

from .conftest import ARTIFACTS, sample_workdir

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

WORKERS = 3


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory, prepared_database: Path) -> Iterator[Deployment]:
    workdir = sample_workdir(tmp_path_factory, prepared_database, "gunicorn")
    with deploy(workdir, workers=WORKERS, tasks="database", keep_logs_in=ARTIFACTS, prefix="e2e-") as deployed:
        yield deployed


@pytest.fixture
def deployed(deployment: Deployment) -> str:
    return deployment.base_url


def test_every_worker_serves_the_files_and_the_rules_hold(deployed: str) -> None:
    staff = Visitor(deployed, "staff")
    links = {}
    for slug in ("private", "public", "logged-in", "staff"):
        page = staff.post(f"/storages/{slug}/", {}, files={"file": (f"{slug}.txt", f"{slug} body".encode())})
        assert "Uploaded" in page.text
        match = re.search(r'<a class="download" href="([^"]+)"', page.text)
        assert match is not None
        links[slug] = match.group(1)
    visitors = {"anonymous": Visitor(deployed), "alice": Visitor(deployed, "alice"), "staff": staff}
    expected = {
        "anonymous": {"private": 302, "public": 200, "logged-in": 302, "staff": 302},
        "alice": {"private": 404, "public": 200, "logged-in": 200, "staff": 403},
        "staff": {"private": 200, "public": 200, "logged-in": 200, "staff": 200},
    }
    for who, visitor in visitors.items():
        for slug, href in links.items():
            for _ in range(2 * WORKERS):
                response = visitor.get(href, allow_redirects=False)
                assert response.status_code == expected[who][slug], (who, slug)
                assert (response.content == f"{slug} body".encode()) == (response.status_code == 200)


def test_an_export_is_built_by_the_task_worker_outside_the_request(deployed: str) -> None:
    bob = Visitor(deployed, "bob")
    bob.post("/storages/private/", {}, files={"file": ("notes.txt", b"bob's notes")})

    page = bob.post("/export/", {})

    assert "being prepared" in page.text or "ready" in page.text
    deadline = time.monotonic() + 60
    while 'id="export-download"' not in page.text:
        assert time.monotonic() < deadline, "the task worker never finished the export"
        time.sleep(0.3)
        page = bob.get("/")
    match = re.search(r'id="export-download" href="([^"]+)"', page.text)
    assert match is not None
    archive = zipfile.ZipFile(io.BytesIO(bob.get(match.group(1)).content))
    records = json.loads(archive.read("records.json"))
    assert records["user"]["username"] == "bob"
    assert archive.read(records["files"][0]["archive_path"]) == b"bob's notes"
    assert Visitor(deployed, "alice").get(match.group(1)).status_code == 404


def test_the_logs_hold_no_secret(deployment: Deployment) -> None:
    Visitor(deployment.base_url, "alice").get("/storages/public/")
    logs = "".join(path.read_text() for path in deployment.workdir.glob("*.log"))
    assert "Booting worker" in logs
    assert "dev-application-key" not in logs
