"""The proxy views under ASGI, through Django's ASGI handler and the library's: exact bytes, ranges,
bounded read-ahead, and the download released whatever happens."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.core.handlers.asgi import ASGIHandler as DjangoASGIHandler
from django.test import AsyncClient
from urllib3.exceptions import ProtocolError

from django_backblaze_b2.asgi import MESSAGE_SIZE, ASGIHandler
from django_backblaze_b2.http import IncompleteDownloadError
from django_backblaze_b2.proxy.views import DownloadView
from django_backblaze_b2.testing import SimulatedB2

from .conftest import Put, data_of
from .test_streaming import DownloadSpy, b2_responses

pytestmark = pytest.mark.django_db

SIZE = 3 * 1024 * 1024 + 321
DATA = data_of(SIZE, seed=3)
__all__ = ["b2_responses"]  # the fixture, shared with the WSGI tests


@pytest.fixture
def stored(put: Put) -> str:
    put("clip.bin", DATA, content_type="application/octet-stream")
    return "/b2/clip.bin"


class Exchange:
    """One request through an ASGI application, as a server would run it: the messages it sent."""

    def __init__(self, spies: list[DownloadSpy] | None = None) -> None:
        self.status = 0
        self.headers: dict[bytes, bytes] = {}
        self.messages: list[bytes] = []
        self.spies = spies
        #: For each body message: bytes read from B2 beyond what had been sent before it.
        self.read_ahead: list[int] = []

    async def run(self, application: Any, path: str, headers: dict[str, str] | None = None) -> bytes:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()],
            "server": ("testserver", 80),
            "client": ("127.0.0.1", 1234),
        }
        requested = False

        async def receive() -> dict[str, Any]:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            import asyncio

            await asyncio.Event().wait()  # the client stays connected
            raise AssertionError("unreachable")

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                self.status = message["status"]
                self.headers = dict(message["headers"])
            elif message.get("body"):
                if self.spies:
                    self.read_ahead.append(self.spies[0].bytes_read - sum(map(len, self.messages)))
                self.messages.append(message["body"])

        await application(scope, receive, send)
        return b"".join(self.messages)


def test_the_librarys_handler_sends_the_exact_bytes_in_bigger_messages(
    stored: str, b2_responses: list[DownloadSpy]
) -> None:
    exchange = Exchange(b2_responses)
    body = async_to_sync(exchange.run)(ASGIHandler(), stored)
    assert (exchange.status, body) == (200, DATA)
    assert exchange.headers[b"Content-Length"] == str(SIZE).encode()
    assert max(map(len, exchange.messages)) == DownloadView.read_ahead // 4  # one message per piece read
    assert max(map(len, exchange.messages)) <= MESSAGE_SIZE
    # Never more than read_ahead bytes read from B2 beyond what the server had been handed.
    assert max(exchange.read_ahead) <= DownloadView.read_ahead
    assert b2_responses[0].closed


def test_djangos_handler_gets_the_same_bytes_in_its_64_kib_messages(stored: str) -> None:
    exchange = Exchange()
    body = async_to_sync(exchange.run)(DjangoASGIHandler(), stored)
    assert body == DATA
    assert max(map(len, exchange.messages)) == 64 * 1024


@pytest.mark.parametrize(
    ("header", "start", "stop"),
    [
        ("bytes=0-0", 0, 1),
        ("bytes=-1", SIZE - 1, SIZE),
        ("bytes=1000-", 1000, SIZE),
        ("bytes=262000-1310000", 262000, 1310001),  # across several pieces
        ("bytes=3000000-", 3000000, SIZE),
    ],
)
def test_ranges_are_exact_under_asgi(stored: str, header: str, start: int, stop: int) -> None:
    exchange = Exchange()
    body = async_to_sync(exchange.run)(ASGIHandler(), stored, {"Range": header})
    assert exchange.status == 206
    assert body == DATA[start:stop]
    assert exchange.headers[b"Content-Range"] == f"bytes {start}-{stop - 1}/{SIZE}".encode()


def test_a_small_file_is_one_read_and_no_stream(put: Put, b2_responses: list[DownloadSpy]) -> None:
    put("small.txt", b"hello" * 100, content_type="text/plain")

    async def get() -> Any:
        return await AsyncClient().get("/b2/small.txt")

    response = async_to_sync(get)()
    assert not response.streaming  # no reader thread for it, no async iterator
    assert response.content == b"hello" * 100
    assert b2_responses[0].closed


def test_a_client_that_goes_away_releases_the_download(
    stored: str, b2_responses: list[DownloadSpy], caplog: pytest.LogCaptureFixture
) -> None:
    async def abandon() -> None:
        response: Any = await AsyncClient().get(stored)
        chunks = aiter(response.streaming_content)
        await anext(chunks)
        await chunks.aclose()  # what Django's handler does when the client disconnects

    async_to_sync(abandon)()
    assert b2_responses[0].closed
    assert b2_responses[0].bytes_read < SIZE
    assert "B2 failed" not in caplog.text  # a client going away is not B2's failure


# Django's handler leaves the request's body file to the garbage collector when the response fails.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_b2_failing_mid_body_reaches_the_server_as_an_error(
    stored: str, b2: SimulatedB2, monkeypatch: pytest.MonkeyPatch
) -> None:
    if b2.server is not None:
        b2.server.faults.cut_download(300_000)
    else:
        original = b2.raw.download_file_from_url

        def truncated(*args: Any, **kwargs: Any) -> Any:
            context = original(*args, **kwargs)
            context.response.data_bytes = context.response.data_bytes[:300_000]
            return context

        monkeypatch.setattr(b2.raw, "download_file_from_url", truncated)
    exchange = Exchange()
    with pytest.raises((IncompleteDownloadError, OSError, ProtocolError)) as failure:
        async_to_sync(exchange.run)(ASGIHandler(), stored)
    # The error (kept by the log record too) holds the handler's frames, and they the request's body file.
    failure.value.__traceback__ = None
    del failure
    gc.collect()
    assert exchange.status == 200  # the headers had gone
    assert sum(map(len, exchange.messages)) <= 300_000
