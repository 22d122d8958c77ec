"""A :class:`~.responder.Decision` as a Django response, streaming a download's bytes as they arrive.

No views and no B2 calls here: the body reads any HTTP response with a ``raw.read(n)`` (b2sdk's downloads
are ``requests`` responses), exactly ``length`` bytes of it, and closes it when done or abandoned. Under
WSGI it is a plain iterator; under ASGI an async iterator reading in worker threads, because Django
reads a sync iterator whole into memory before sending it over ASGI.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpResponse, StreamingHttpResponse

from .responder import Decision

logger = logging.getLogger("django_backblaze_b2")

DEFAULT_CHUNK_SIZE = 64 * 1024


class IncompleteDownloadError(OSError):
    """The download ended before the bytes promised in Content-Length."""


class _Body:
    """The bytes of one download, exactly ``length`` of them; ``close()`` releases the download."""

    def __init__(self, response: Any, length: int, chunk_size: int = DEFAULT_CHUNK_SIZE, name: str = "") -> None:
        self._response = response
        self._remaining = length
        self._chunk_size = chunk_size
        self._name = name
        self._closed = False

    def _read(self) -> bytes:
        try:
            chunk: bytes = self._response.raw.read(min(self._chunk_size, self._remaining))
        except Exception:
            # The headers are gone already: all that is left is to log and let the server cut the connection.
            logger.exception("django-backblaze-b2: B2 failed in the middle of the download of %r", self._name)
            raise
        if not chunk:
            logger.error("django-backblaze-b2: B2 ended the download of %r %d bytes early", self._name, self._remaining)
            raise IncompleteDownloadError(f"the download ended {self._remaining} bytes early")
        self._remaining -= len(chunk)
        return chunk

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._response.close()


class SyncBody(_Body):
    """For WSGI: a plain iterator."""

    def __iter__(self) -> Iterator[bytes]:
        try:
            while self._remaining > 0:
                yield self._read()
        finally:
            self.close()


class AsyncBody(_Body):
    """For ASGI: an async iterator reading in worker threads, so no chunk waits for the whole file."""

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        read = sync_to_async(self._read, thread_sensitive=False)
        try:
            while self._remaining > 0:
                yield await read()
        finally:
            await sync_to_async(self.close, thread_sensitive=False)()


def streaming_response(
    decision: Decision,
    download: Any,
    *,
    asynchronous: bool,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    name: str = "",
) -> StreamingHttpResponse:
    """A response streaming ``decision.body_range`` from ``download``, already positioned at its start."""
    assert decision.body_range is not None
    body_class = AsyncBody if asynchronous else SyncBody
    response = StreamingHttpResponse(
        body_class(download, decision.body_range.length, chunk_size, name), status=decision.status
    )
    for header, value in decision.headers.items():
        response[header] = value
    return response


def plain_response(decision: Decision) -> HttpResponse:
    """A response with the decision's short canned body (or none), and only the decision's headers."""
    response = HttpResponse(decision.body, status=decision.status)
    if "Content-Type" not in decision.headers:
        del response["Content-Type"]  # a 304 or a HEAD keeps only what the decision says
    for header, value in decision.headers.items():
        response[header] = value
    return response
