"""A :class:`~.responder.Decision` as a Django response, streaming a download's bytes as they arrive.

No views and no B2 calls here: the body reads any HTTP response with a ``raw.read(n)`` (b2sdk's downloads
are ``requests`` responses), exactly ``length`` bytes of it, and closes it when done or abandoned.

- A body of at most one chunk is read at once (:func:`read_whole`) and sent as a plain response: no
  iterator, and under ASGI no trip to a worker thread of its own (the view runs in one already).
- Under WSGI a bigger body is a plain iterator, one chunk per read.
- Under ASGI it is an async iterator, because Django reads a sync iterator whole into memory before
  sending it over ASGI. A reader thread of the stream's own reads the chunks, never more than
  ``read_ahead`` bytes ahead of what was sent (see :class:`AsyncBody`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse

from .responder import Decision

logger = logging.getLogger("django_backblaze_b2")

DEFAULT_CHUNK_SIZE = 1024 * 1024
#: Under ASGI, how far a stream's reader thread may run ahead of what was sent; it reads in pieces
#: of a quarter of that (at most a chunk), so a stream holds about ``read_ahead`` bytes at most.
DEFAULT_READ_AHEAD = 1024 * 1024
_ASYNC_PIECES = 4


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
            if self._closed:
                raise  # closed on purpose (the client went away) while a reader thread was reading
            # The headers are gone already: all that is left is to log and let the server cut the connection.
            logger.exception("django-backblaze-b2: B2 failed in the middle of the download of %r", self._name)
            raise
        if not chunk:
            logger.error("django-backblaze-b2: B2 ended the download of %r %d bytes early", self._name, self._remaining)
            raise IncompleteDownloadError(f"the download ended {self._remaining} bytes early")
        self._remaining -= len(chunk)
        return chunk

    def read_all(self) -> bytes:
        chunks = []
        while self._remaining > 0:
            chunks.append(self._read())
        return b"".join(chunks)

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
    """For ASGI: an async iterator fed by a reader thread of its own, at most ``read_ahead`` bytes ahead.

    One thread per stream reads piece after piece (a quarter of ``read_ahead``, at most
    ``chunk_size``) and hands each to the event loop; it waits while ``read_ahead`` bytes are read
    but not yet sent, so a slow client holds a bounded amount of memory.
    A trip to a thread pool per chunk would cost a hand-off and a wake-up both ways each time; trips
    of several MiB would cost more still, as memory freed in bursts goes back to the kernel and is
    faulted in again.
    """

    def __init__(
        self,
        response: Any,
        length: int,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        name: str = "",
        read_ahead: int = DEFAULT_READ_AHEAD,
    ) -> None:
        piece = max(1, min(chunk_size, read_ahead // _ASYNC_PIECES))
        super().__init__(response, length, piece, name)
        self._length = length
        self._slots = threading.Semaphore(max(1, read_ahead // piece))
        self._stopped = False
        self._close_lock = threading.Lock()

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    def close(self) -> None:
        with self._close_lock:  # the reader thread and the event loop may both get here
            super().close()

    def _reader(self, loop: asyncio.AbstractEventLoop, chunks: asyncio.Queue[bytes | BaseException]) -> None:
        try:
            while self._remaining > 0 and not self._stopped:
                self._slots.acquire()
                if self._stopped:
                    break
                try:
                    chunk: bytes | BaseException = self._read()
                except Exception as error:
                    chunk = error
                if self._remaining == 0:
                    self.close()  # read to the end: the connection goes back to the pool
                loop.call_soon_threadsafe(chunks.put_nowait, chunk)
                if isinstance(chunk, BaseException):
                    break
        except RuntimeError:
            pass  # the event loop is gone: nobody is waiting for these bytes

    async def _chunks(self) -> AsyncIterator[bytes]:
        if self._length == 0:
            self.close()
            return
        loop = asyncio.get_running_loop()
        chunks: asyncio.Queue[bytes | BaseException] = asyncio.Queue()
        reader = threading.Thread(
            target=self._reader, args=(loop, chunks), name="django-backblaze-b2 download", daemon=True
        )
        reader.start()
        sent = 0
        try:
            while sent < self._length:
                chunk = await chunks.get()
                if isinstance(chunk, BaseException):
                    raise chunk
                sent += len(chunk)
                yield chunk
                del chunk
                self._slots.release()
        finally:
            if sent < self._length:  # abandoned, or B2 failed: stop the reader and drop the download
                self._stopped = True
                self._slots.release()
                await loop.run_in_executor(None, self.close)


def read_whole(decision: Decision, download: Any, name: str = "") -> HttpResponse:
    """A plain response with all of ``decision.body_range`` read from ``download`` now (a small body)."""
    assert decision.body_range is not None
    body = _Body(download, decision.body_range.length, decision.body_range.length, name)
    try:
        content = body.read_all()
    finally:
        body.close()
    response = HttpResponse(content, status=decision.status)
    for header, value in decision.headers.items():
        response[header] = value
    return response


def streaming_response(
    decision: Decision,
    download: Any,
    *,
    asynchronous: bool,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    name: str = "",
    read_ahead: int = DEFAULT_READ_AHEAD,
) -> StreamingHttpResponse:
    """A response streaming ``decision.body_range`` from ``download``, already positioned at its start."""
    assert decision.body_range is not None
    length = decision.body_range.length
    body: SyncBody | AsyncBody
    if asynchronous:
        body = AsyncBody(download, length, chunk_size, name, read_ahead)
    else:
        body = SyncBody(download, length, chunk_size, name)
    response = StreamingHttpResponse(body, status=decision.status)
    for header, value in decision.headers.items():
        response[header] = value
    return response


def body_response(
    decision: Decision,
    download: Any,
    *,
    asynchronous: bool,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    name: str = "",
    read_ahead: int = DEFAULT_READ_AHEAD,
) -> HttpResponse | StreamingHttpResponse:
    """:func:`read_whole` for a body of at most one chunk, else :func:`streaming_response`."""
    assert decision.body_range is not None
    if decision.body_range.length <= chunk_size:
        return read_whole(decision, download, name)
    return streaming_response(
        decision, download, asynchronous=asynchronous, chunk_size=chunk_size, name=name, read_ahead=read_ahead
    )


def plain_response(decision: Decision) -> HttpResponse:
    """A response with the decision's short canned body (or none), and only the decision's headers."""
    response = HttpResponse(decision.body, status=decision.status)
    if "Content-Type" not in decision.headers:
        del response["Content-Type"]  # a 304 or a HEAD keeps only what the decision says
    for header, value in decision.headers.items():
        response[header] = value
    return response
