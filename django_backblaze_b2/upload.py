"""Uploading Django content to B2 in bounded memory.

Four shapes of content, four b2sdk paths:

- a file already in the same bucket (a finished direct upload, whose ``b2_move_source`` says where):
  moved by a server-side copy with the new name's metadata, then the old version is deleted;
- a file on disk (Django's ``TemporaryUploadedFile``): ``upload_local_file``, parts go up in
  parallel straight from the file;
- any other seekable stream (``ContentFile``, ``InMemoryUploadedFile``, an open file): ``upload``
  of an ``UploadSourceStream`` that reads from position 0, through views that never close or
  move the caller's file;
- a non-seekable or text stream: ``upload_unbound_stream``, which buffers at most two parts.

The middle two read the content's underlying file directly, so they are taken only when the content
reads through Django's own ``File`` methods; a ``File`` subclass (or instance) with its own ``chunks()``
or ``read()`` is uploaded from what its ``chunks()`` yields, as ``FileSystemStorage`` does.

B2 decides small-or-large itself from the part sizes it reported at authorization.
"""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

from b2sdk.v2 import Bucket, UploadSourceStream
from b2sdk.v2.exception import TooManyRequests
from django.core.files.base import File

from .large_files import cancelled_on_failure
from .streams import PositionedReader

UNBOUND_BUFFER_SIZE = 8 * 1024 * 1024  # two of these at most in memory; B2 wants parts >= 5 MB
TEXT_ENCODING = "utf-8"
# B2 answers 429 when an account uploads faster than it allows; b2sdk does not retry an upload on it.
THROTTLED_ATTEMPTS = 3
THROTTLED_MAX_PAUSE = 10.0  # seconds, whatever Retry-After says: a request thread should not wait longer


@dataclass(frozen=True)
class MoveSource:
    """A file version in the bucket that an upload takes over instead of sending bytes."""

    file_id: str
    file_name: str
    size: int


def upload(bucket: Bucket, file_name: str, content: Any, upload_options: Mapping[str, Any]) -> Any:
    """Upload ``content`` (a Django ``File`` or a file-like object) under ``file_name``; returns b2sdk's FileVersion.

    If it fails, nothing is left behind: no visible file, and no unfinished large file billing its parts.
    """
    for attempt in range(1, THROTTLED_ATTEMPTS + 1):
        try:
            with cancelled_on_failure(bucket, file_name):
                return _upload(bucket, file_name, content, upload_options)
        except TooManyRequests as throttled:
            # b2sdk retries a 429 on every call but an upload's (its body is gone); ours can be read again.
            if attempt == THROTTLED_ATTEMPTS or not _readable_again(content):
                raise
            pause = throttled.retry_after_seconds
            time.sleep(min(THROTTLED_MAX_PAUSE, attempt if pause is None else pause))
    raise AssertionError("unreachable")  # pragma: no cover


def _readable_again(content: Any) -> bool:
    if not _reads_as_django(content):
        return False
    if _local_path(content) is not None:
        return True
    stream = _underlying_stream(content)
    return _seekable(stream) and not _is_text(stream)


def _upload(bucket: Bucket, file_name: str, content: Any, upload_options: Mapping[str, Any]) -> Any:
    moved = getattr(content, "b2_move_source", None)
    if isinstance(moved, MoveSource):
        return _move(bucket, file_name, moved, upload_options)
    if not _reads_as_django(content):
        chunks = _Chunks(iter(content.chunks()))  # called here, so that its errors reach the caller as they are
        return bucket.upload_unbound_stream(chunks, file_name, buffer_size=UNBOUND_BUFFER_SIZE, **upload_options)
    path = _local_path(content)
    if path is not None:
        return bucket.upload_local_file(path, file_name, **upload_options)
    stream = _underlying_stream(content)
    if _is_text(stream):
        return bucket.upload_unbound_stream(
            _EncodedText(stream), file_name, buffer_size=UNBOUND_BUFFER_SIZE, **upload_options
        )
    if _seekable(stream):
        position = stream.tell()
        length = _length(stream)
        lock = threading.Lock()
        source = UploadSourceStream(lambda: _StreamView(stream, lock), stream_length=length)
        try:
            return bucket.upload(source, file_name, **upload_options)
        finally:
            stream.seek(position)  # leave the caller's file as we found it
    return bucket.upload_unbound_stream(
        _Unclosable(stream), file_name, buffer_size=UNBOUND_BUFFER_SIZE, **upload_options
    )


def _move(bucket: Bucket, file_name: str, source: MoveSource, upload_options: Mapping[str, Any]) -> Any:
    options = dict(upload_options)
    encryption = options.pop("encryption", None)
    # Given a content type and file info, B2 replaces the source's metadata with the new name's.
    options["file_info"] = options.get("file_info") or {}
    options["content_type"] = options.get("content_type") or "b2/x-auto"
    version = bucket.copy(
        source.file_id,
        file_name,
        length=source.size,
        destination_encryption=encryption,  # the source was started with the same (never SSE-C)
        **options,
    )
    bucket.delete_file_version(source.file_id, source.file_name)
    return version


def _reads_as_django(content: Any) -> bool:
    """Whether the content's ``chunks()`` and ``read()`` are Django's own, so its file can be read directly."""
    if not isinstance(content, File):
        return True
    for method in ("chunks", "read"):
        if method in vars(content):
            return False
        defined_by = next(klass for klass in type(content).__mro__ if method in vars(klass))
        if not defined_by.__module__.startswith("django."):
            return False
    return True


def _local_path(content: Any) -> str | None:
    temporary_file_path = getattr(content, "temporary_file_path", None)
    if callable(temporary_file_path):
        path = temporary_file_path()
        if isinstance(path, str) and os.path.isfile(path):
            return path
    return None


def _underlying_stream(content: Any) -> IO[Any]:
    # Django's File wraps the real file object in .file; unwrap so seeks reach the real thing.
    inner = getattr(content, "file", None)
    return inner if inner is not None and hasattr(inner, "read") else content  # type: ignore[no-any-return]


def _is_text(stream: Any) -> bool:
    if isinstance(stream, io.TextIOBase):
        return True
    mode = getattr(stream, "mode", "")
    return isinstance(mode, str) and "b" not in mode and mode.startswith(("r", "w", "a"))


def _seekable(stream: Any) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, ValueError, OSError):
        return False


def _length(stream: IO[Any]) -> int:
    position = stream.tell()
    try:
        return stream.seek(0, io.SEEK_END)
    finally:
        stream.seek(position)


class _StreamView(PositionedReader):
    """An independent read position over a shared seekable stream.

    b2sdk opens the source once per part and may read parts from several threads; each view seeks
    the shared stream under a lock before reading. Closing a view leaves the caller's file open.
    """

    def __init__(self, stream: IO[bytes], lock: threading.Lock) -> None:
        super().__init__()
        self._stream = stream
        self._lock = lock

    def _end(self) -> int:
        with self._lock:
            return self._stream.seek(0, io.SEEK_END)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        with self._lock:
            self._stream.seek(self._position)
            data = self._stream.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self._position += size
        return size


class _Unclosable(io.RawIOBase):
    """Reads a non-seekable stream without closing it when b2sdk is done."""

    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__()
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._stream.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        return size


class _Chunks(io.RawIOBase):
    """What a ``File``'s ``chunks()`` yields, as a byte stream (text chunks in UTF-8)."""

    def __init__(self, chunks: Any) -> None:
        super().__init__()
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = chunk.encode(TEXT_ENCODING) if isinstance(chunk, str) else bytes(chunk)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


class _EncodedText(io.RawIOBase):
    """A text stream read as UTF-8 bytes, a bounded chunk at a time."""

    def __init__(self, stream: IO[str]) -> None:
        super().__init__()
        self._stream = stream
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while len(self._pending) < len(buffer):
            text = self._stream.read(64 * 1024)
            if not text:
                break
            self._pending += text.encode(TEXT_ENCODING) if isinstance(text, str) else text
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size
