"""Streaming: bytes leave before B2 has sent them all, under WSGI, ASGI and a real HTTP server."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from asgiref.sync import async_to_sync
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from django.test import AsyncClient, Client
from urllib3.exceptions import ProtocolError

from django_backblaze_b2.http import IncompleteDownloadError
from django_backblaze_b2.proxy import views
from django_backblaze_b2.proxy.views import DownloadView
from django_backblaze_b2.testing import SimulatedB2

from .conftest import PublicStorage, Put, data_of

pytestmark = pytest.mark.django_db

SIZE = 5 * DownloadView.chunk_size + 123
DATA = data_of(SIZE)


class DownloadSpy:
    """Watches one B2 download the view opened: bytes read from it so far, and whether it was closed."""

    def __init__(self, response: Any) -> None:
        self.bytes_read = 0
        self.closed = False
        read, close = response.raw.read, response.close

        def spied_read(*args: Any, **kwargs: Any) -> bytes:
            data: bytes = read(*args, **kwargs)
            self.bytes_read += len(data)
            return data

        def spied_close() -> None:
            self.closed = True
            close()

        response.raw.read = spied_read
        response.close = spied_close


@pytest.fixture
def b2_responses(monkeypatch: pytest.MonkeyPatch) -> list[DownloadSpy]:
    """Spies on the downloads the /b2/ view opens (in process or over HTTP alike); behaviour unchanged."""
    storage = views.route_storage(PublicStorage)
    download = storage.download
    spies: list[DownloadSpy] = []

    def spied_download(name: str, range_: tuple[int, int] | None = None) -> Any:
        downloaded = download(name, range_)
        spies.append(DownloadSpy(downloaded.response))
        return downloaded

    monkeypatch.setattr(storage, "download", spied_download)
    return spies


@pytest.fixture
def stored(put: Put) -> str:
    put("big.bin", DATA, content_type="application/octet-stream")
    return "/b2/big.bin"


def test_wsgi_first_chunk_before_last_byte_is_fetched(
    client: Client, stored: str, b2_responses: list[DownloadSpy]
) -> None:
    response: Any = client.get(stored)
    assert not response.is_async
    chunks: Iterator[bytes] = iter(response.streaming_content)
    first = next(chunks)
    assert first == DATA[: len(first)]
    (b2_response,) = b2_responses
    assert b2_response.bytes_read == len(first) < SIZE  # nothing read ahead
    rest = b"".join(chunks)
    assert first + rest == DATA
    assert b2_response.closed
    response.close()


def test_wsgi_closing_early_releases_the_download(client: Client, stored: str, b2_responses: list[DownloadSpy]) -> None:
    response: Any = client.get(stored, headers={"Range": "bytes=10-"})
    next(iter(response.streaming_content))
    response.close()  # the client went away
    assert b2_responses[0].closed


def test_wsgi_closing_before_the_first_chunk_releases_the_download(
    client: Client, stored: str, b2_responses: list[DownloadSpy]
) -> None:
    client.get(stored).close()
    assert b2_responses[0].closed


def test_head_opens_no_download(client: Client, stored: str, b2_responses: list[DownloadSpy]) -> None:
    client.head(stored)
    assert b2_responses == []


def test_asgi_streams_through_an_async_iterator(stored: str, b2_responses: list[DownloadSpy]) -> None:
    async_to_sync(_asgi_streams)(stored, b2_responses)


async def _asgi_streams(stored: str, b2_responses: list[DownloadSpy]) -> None:
    client = AsyncClient()
    response: Any = await client.get(stored, headers={"Range": "bytes=100-"})
    assert response.status_code == 206
    assert response.is_async  # a sync iterator would be read whole into memory (and warn: an error here)
    chunks = aiter(response.streaming_content)
    first = await anext(chunks)
    (b2_response,) = b2_responses
    assert len(first) == DownloadView.read_ahead // 4  # ASGI reads in quarters of read_ahead
    # The reader thread runs ahead of the client by DownloadView.read_ahead bytes, then waits.
    await _settled(lambda: b2_response.bytes_read >= DownloadView.read_ahead)
    assert b2_response.bytes_read == DownloadView.read_ahead < SIZE - 100
    rest = b"".join([chunk async for chunk in chunks])
    assert first + rest == DATA[100:]
    assert b2_response.closed


async def _settled(condition: Callable[[], bool], seconds: float = 10) -> None:
    """Wait for another thread to make ``condition`` true (no assertion on how long that takes)."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)  # had it gone past the condition's mark, it would have by now


def test_asgi_head_and_304(stored: str) -> None:
    async_to_sync(_asgi_head_and_304)(stored)


async def _asgi_head_and_304(stored: str) -> None:
    client = AsyncClient()
    head = await client.head(stored)
    assert head.status_code == 200
    assert head["Content-Length"] == str(SIZE)
    assert (await client.get(stored, headers={"If-None-Match": head["ETag"]})).status_code == 304


@pytest.fixture
def live_url() -> Iterator[str]:
    """A real HTTP server (Django's runserver classes) on an ephemeral port, in a thread."""
    server = WSGIServer(("127.0.0.1", 0), WSGIRequestHandler, allow_reuse_address=False)
    server.set_app(WSGIHandler())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_real_server_with_range(live_url: str, stored: str) -> None:
    with requests.Session() as session:
        whole = session.get(live_url + stored, timeout=10)
        assert whole.status_code == 200
        assert whole.content == DATA
        assert whole.headers["Accept-Ranges"] == "bytes"

        for header, expected, content_range in [
            ("bytes=0-0", DATA[:1], f"bytes 0-0/{SIZE}"),
            ("bytes=-1", DATA[-1:], f"bytes {SIZE - 1}-{SIZE - 1}/{SIZE}"),
            ("bytes=1000-", DATA[1000:], f"bytes 1000-{SIZE - 1}/{SIZE}"),
        ]:
            partial = session.get(live_url + stored, headers={"Range": header}, timeout=10)
            assert partial.status_code == 206
            assert partial.content == expected
            assert partial.headers["Content-Range"] == content_range
            assert partial.headers["Content-Length"] == str(len(expected))

        resumed = session.get(
            live_url + stored, headers={"Range": "bytes=4096-", "If-Range": whole.headers["ETag"]}, timeout=10
        )
        assert resumed.status_code == 206
        assert whole.content[:4096] + resumed.content == DATA

        assert session.get(live_url + stored, headers={"Range": f"bytes={SIZE}-"}, timeout=10).status_code == 416
        head = session.head(live_url + stored, timeout=10)
        # Django 4.2's runserver drops Content-Length from every HEAD response; later versions keep ours.
        assert head.headers.get("Content-Length", str(SIZE)) == str(SIZE)
        assert head.headers["ETag"] == whole.headers["ETag"]
        assert head.content == b""
        assert session.get(live_url + "/b2/missing", timeout=10).status_code == 404


def test_memory_stays_flat_while_streaming(client: Client, put: Put) -> None:
    import tracemalloc

    size = 4 * 1024 * 1024
    put("large.bin", bytes(range(256)) * (size // 256))
    response: Any = client.get("/b2/large.bin")
    tracemalloc.start()
    try:
        total = sum(len(chunk) for chunk in response.streaming_content)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        response.close()
    assert total == size
    assert peak < 16 * DownloadView.chunk_size  # a few chunks, not the file


def test_b2_ending_early_cuts_the_response(
    client: Client, stored: str, b2: SimulatedB2, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    if b2.server is not None:
        b2.server.faults.cut_download(1000)
    else:
        original = b2.raw.download_file_from_url

        def truncated(*args: Any, **kwargs: Any) -> Any:
            context = original(*args, **kwargs)
            context.response.data_bytes = context.response.data_bytes[:1000]
            return context

        monkeypatch.setattr(b2.raw, "download_file_from_url", truncated)
    response: Any = client.get(stored)
    assert response.status_code == 200  # the headers went out before B2 failed
    # Ours when B2 closes cleanly too early; urllib3's own error when the connection breaks.
    with pytest.raises((IncompleteDownloadError, OSError, ProtocolError)):
        b"".join(response.streaming_content)
    response.close()
    assert "big.bin" in caplog.text
