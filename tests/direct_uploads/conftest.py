"""A logged-in "browser" that does what direct-upload.js does, over the test client and B2's part URLs."""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.test.utils import override_settings

from django_backblaze_b2.testing import SimulatedB2, simulated_b2

BASE = "/b2-uploads/"


def data_of(size: int, seed: int = 0) -> bytes:
    block = bytes((i * 7 + seed) % 251 for i in range(65536))
    return (block * (size // len(block) + 1))[:size]


@dataclass
class Browser:
    client: Client
    b2: SimulatedB2
    uploaded_parts: list[int] = field(default_factory=list)

    def post(self, action: str, **body: Any) -> Any:
        return self.client.post(f"{BASE}{action}", json.dumps(body), content_type="application/json")

    def ticket(self, kind: str = "upload") -> str:
        page = self.client.get(f"/forms/{kind}/").content.decode()
        match = re.search(r'data-b2-ticket="([^"]+)"', page)
        assert match, page
        return html.unescape(match.group(1))

    def begin(self, data: bytes, name: str = "movie.webm", kind: str = "upload", **extra: Any) -> Any:
        return self.post("begin", ticket=self.ticket(kind), name=name, size=len(data), type="video/webm", **extra)

    def send_parts(self, grant: dict[str, Any], data: bytes, only: list[int] | None = None) -> list[str]:
        """Upload the parts (or only some) with a part URL, as the script does; returns every part's SHA-1."""
        target = self.post("part-url", upload=grant["upload"]).json()
        raw = self.b2.api().session.raw_api
        size = grant["partSize"]
        sha1s = []
        for number in range(1, grant["partCount"] + 1):
            chunk = data[(number - 1) * size : number * size]
            sha1 = hashlib.sha1(chunk).hexdigest()
            sha1s.append(sha1)
            if only is None or number in only:
                raw.upload_part(
                    target["uploadUrl"], target["authorizationToken"], number, len(chunk), sha1, io.BytesIO(chunk)
                )
                self.uploaded_parts.append(number)
        return sha1s

    def upload(self, data: bytes, name: str = "movie.webm", kind: str = "upload") -> str:
        """The whole direct upload; the finished reference the form posts."""
        grant = self.begin(data, name, kind).json()
        assert grant["direct"], grant
        sha1s = self.send_parts(grant, data)
        finished = self.post("complete", upload=grant["upload"], partSha1Array=sha1s)
        assert finished.status_code == 200, finished.content
        return str(finished.json()["finished"])

    def submit(self, reference: str, kind: str = "upload") -> Any:
        return self.client.post(f"/forms/{kind}/", {"file__b2_upload": reference})


@pytest.fixture(autouse=True)
def b2() -> Iterator[SimulatedB2]:
    """The simulated B2 behind a local B2 server thread: direct uploads need B2 over HTTP (the
    in-process one has no URLs a browser could reach, so the views send files through Django there)."""
    with simulated_b2(served=True) as simulated:
        yield simulated


@pytest.fixture(autouse=True)
def direct_upload_urls() -> Iterator[None]:
    with override_settings(ROOT_URLCONF="tests.direct_uploads.urls"):
        yield


@pytest.fixture
def user(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("ada", password="x")


@pytest.fixture
def browser(user: Any, b2: SimulatedB2) -> Browser:
    client = Client()
    client.force_login(user)
    return Browser(client, b2)


@pytest.fixture
def other_browser(django_user_model: Any, b2: SimulatedB2) -> Browser:
    client = Client()
    client.force_login(django_user_model.objects.create_user("mallory", password="x"))
    return Browser(client, b2)
