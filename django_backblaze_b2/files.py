"""The file object ``storage.open()`` returns: lazy ranged reads, spooled streaming writes.

Reading goes through :class:`RangeReader`, a raw stream under ``io.BufferedReader``: the first read
opens one B2 download from the current position and later reads continue on it; a seek elsewhere
closes it and the next read opens another from there. Opening and closing downloads nothing.
A download that breaks off before the file's end is resumed from where it stopped (the same file
version only), a few times at most; then reading raises :class:`DownloadInterruptedError`, never a short
read that looks like the end of the file.

Writing (``"wb"``/``"w"``) spools into a temporary file that moves to disk past a few MiB, and
uploads it when the file is closed.
"""

from __future__ import annotations

import codecs
import io
import tempfile
from typing import IO, Any, Protocol

from django.core.files.base import File
from urllib3.exceptions import HTTPError as ConnectionBroken  # requests' transport: b2sdk always has it

from .metadata import FileMetadata
from .streams import PositionedReader

SPOOL_MAX_MEMORY = 4 * 1024 * 1024
READ_BUFFER_SIZE = 1024 * 1024
# Pieces read from the socket. Much bigger (1 MiB), and each freed piece goes back to the kernel and is
# faulted in again; much smaller (64 KiB), and urllib3's per-call work shows: both ran 1 MiB reads at
# half b2sdk's speed on the loopback. 256 KiB matches b2sdk's CPU per MiB for reads of 64 KiB to 4 MiB.
SOCKET_READ_SIZE = 256 * 1024
# Resumes in a row that bring no new byte before reading gives up: enough for a dropped connection
# or a restarted load balancer, few enough that a B2 outage surfaces in seconds.
MAX_RESUMES_WITHOUT_PROGRESS = 3
TEXT_ENCODING = "utf-8"
TEXT_ERRORS = "django_backblaze_b2.text"  # a codec error handler: says how to read bytes instead


def _not_text(error: UnicodeError) -> tuple[str, int]:
    if isinstance(error, UnicodeDecodeError):
        raise UnicodeDecodeError(
            error.encoding,
            error.object,
            error.start,
            error.end,
            f"{error.reason}: this file is not UTF-8 text; open it in 'rb' to read bytes",
        )
    raise error


codecs.register_error(TEXT_ERRORS, _not_text)


class DownloadInterruptedError(OSError):
    """B2 stopped sending a file before its end and resuming did not help, or the file was replaced
    by a new version mid-read. Nothing read so far is wrong, but the rest is not there."""


class RemoteFile(Protocol):
    """What a file object needs from its storage: one B2 file, reachable by name."""

    file_name: str

    def metadata(self) -> FileMetadata: ...

    def download(self, range_: tuple[int, int] | None) -> Any: ...

    def upload(self, content: Any) -> FileMetadata: ...


class RangeReader(PositionedReader):
    """Reads a B2 file from any position, one download per contiguous run of reads."""

    def __init__(self, remote: RemoteFile, size: int | None = None) -> None:
        super().__init__()
        self._remote = remote
        self._size = size
        self._response: Any = None
        self._file_id: str | None = None  # the version being read: a resume must not splice in another

    @property
    def size(self) -> int:
        if self._size is None:
            self._size = self._remote.metadata().size
        return self._size

    def _end(self) -> int:
        return self.size

    def _moved(self) -> None:
        self._close_response()

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if not len(buffer) or (self._size is not None and self._position >= self._size):
            return 0
        resumes = 0
        while True:
            if self._response is None and not self._open_response():
                return 0
            broken: Exception | None = None
            try:
                # Bounded reads, whatever the caller asks for: see SOCKET_READ_SIZE.
                data = self._response.raw.read(min(len(buffer), SOCKET_READ_SIZE))
            except (ConnectionBroken, OSError) as error:
                data, broken = b"", error
            if data:
                size = len(data)
                buffer[:size] = data
                self._position += size
                return size
            self._close_response()
            if self._position >= self.size:
                return 0  # the real end of the file
            # The body ended early (a dropped connection; older urllib3 just returns b""): resume here.
            resumes += 1
            if resumes > MAX_RESUMES_WITHOUT_PROGRESS:
                raise DownloadInterruptedError(
                    f"B2 stopped sending {self._remote.file_name!r} at byte {self._position} of {self.size}, "
                    f"{resumes} times in a row: the rest could not be read. Try again later."
                ) from broken

    def _open_response(self) -> bool:
        if self._position == 0 and self._file_id is None:
            downloaded = self._remote.download(None)
            self._size = int(downloaded.download_version.content_length)
        else:
            if self._position >= self.size:
                return False
            downloaded = self._remote.download((self._position, self.size - 1))
        file_id = downloaded.download_version.id_
        if self._file_id is None:
            self._file_id = file_id
        elif file_id != self._file_id:
            downloaded.response.close()
            raise DownloadInterruptedError(
                f"{self._remote.file_name!r} was replaced by a new version while it was being read: "
                "open it again to read the new one."
            )
        self._response = downloaded.response
        return True

    def _close_response(self) -> None:
        if self._response is not None:
            response, self._response = self._response, None
            response.close()

    def close(self) -> None:
        self._close_response()
        super().close()


class B2File(File):  # type: ignore[type-arg]
    """A Django ``File`` on a B2 file. Modes: ``rb``, ``r`` (text, UTF-8), ``wb``, ``w`` (text).

    Like a file on disk, a closed one can be opened again (``open()``, as ``FieldFile.open()`` does).
    """

    def __init__(self, remote: RemoteFile, name: str, mode: str = "rb", size: int | None = None) -> None:
        self._remote = remote
        self._known_size = size
        super().__init__(self._streams(mode, size), name)
        self.mode = mode  # File.__init__ took the spool's own mode ("w+b")

    def _streams(self, mode: str, size: int | None) -> IO[Any]:
        normalized = mode.replace("t", "")
        if normalized not in ("r", "rb", "w", "wb"):
            raise ValueError(
                f"B2 files can be opened for reading ('rb', 'r') or writing ('wb', 'w'), not {mode!r}: "
                "B2 cannot append to or modify a file in place."
            )
        self.mode = mode
        self._writing = normalized.startswith("w")
        self._text = "b" not in normalized
        self._dirty = False
        file: IO[Any]
        if self._writing:
            self._spool: IO[bytes] | None = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_MEMORY)  # noqa: SIM115
            self._reader: RangeReader | None = None
            file = self._spool
            if self._text:
                file = io.TextIOWrapper(self._spool, encoding=TEXT_ENCODING, write_through=True)  # type: ignore[type-var]
        else:
            self._spool = None
            self._reader = RangeReader(self._remote, size)
            file = io.BufferedReader(self._reader, buffer_size=READ_BUFFER_SIZE)
            if self._text:
                file = io.TextIOWrapper(file, encoding=TEXT_ENCODING, errors=TEXT_ERRORS)
        self._stream: IO[Any] = file
        return file

    def open(self, mode: str | None = None, *args: Any, **kwargs: Any) -> B2File:
        """Back to the start if open; if closed, open again: reading reads B2's current version, writing
        starts empty."""
        if not self.closed:
            self.seek(0)
        else:
            self.file = self._streams(mode or self.mode, None)
        return self

    @property
    def size(self) -> int:
        if self._writing:
            assert self._spool is not None
            self._stream.flush()
            position = self._spool.tell()
            self._spool.seek(0, io.SEEK_END)
            end = self._spool.tell()
            self._spool.seek(position)
            return end
        if self._reader is not None:
            return self._reader.size
        return self._known_size or 0

    def write(self, data: bytes | str) -> int:  # type: ignore[override]
        if not self._writing:
            raise io.UnsupportedOperation(f"{self.name!r} was opened for reading (mode {self.mode!r}), not writing.")
        if self._text and not isinstance(data, str):
            raise TypeError(
                f"{self.name!r} was opened in text mode ({self.mode!r}): write str, or open it in 'wb' to write "
                f"bytes (django-backblaze-b2 7.0.0 took bytes in 'w'), not {type(data).__name__}."
            )
        if not self._text and isinstance(data, str):
            raise TypeError(f"{self.name!r} was opened in {self.mode!r}: write bytes, or open it in 'w' to write str.")
        self._dirty = True
        return self._stream.write(data)

    def close(self) -> None:
        if self.closed:
            return
        try:
            if self._writing and self._dirty:
                assert self._spool is not None
                self._stream.flush()
                self._spool.seek(0)
                metadata = self._remote.upload(_Content(self._spool))
                self._known_size = metadata.size
                self._dirty = False
        finally:
            self._stream.close()

    def discard(self) -> None:
        """Close without uploading what was written."""
        self._dirty = False
        self._stream.close()

    def __exit__(self, exc_type: type[BaseException] | None, *args: object) -> None:
        # Leaving a "with" block on an error must not store a half-written file.
        if exc_type is not None and self._writing:
            self.discard()
        else:
            self.close()

    @property
    def closed(self) -> bool:
        return self._stream.closed

    def __repr__(self) -> str:
        return f"<B2File: {self.name} ({self.mode})>"


class _Content:
    """Hands the spooled bytes to the uploader without letting it see the temporary file's name."""

    def __init__(self, spool: IO[bytes]) -> None:
        self.file = spool

    def read(self, size: int = -1) -> bytes:
        return self.file.read(size)
