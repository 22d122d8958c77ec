"""File contents on disk, never in memory: every upload and every part is written once to a file of
its own in the data directory, and a file version is a list of byte ranges of such files.

A finished large file is its parts' files, unchanged (finishing copies nothing); a server-side copy
hard-links the source's files, so each version owns its own names and deleting one never touches
another. Bodies are received into ``.tmp-*`` files (hashed on the way in) and renamed into place;
what a crash leaves behind is removed at the next start (:meth:`BlobStore.collect_garbage`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

CHUNK_SIZE = 64 * 1024
TEMPORARY_PREFIX = ".tmp-"


@dataclass(frozen=True)
class Segment:
    """``length`` bytes from ``offset`` of the blob file ``name``."""

    name: str
    offset: int
    length: int


@dataclass(frozen=True)
class Blob:
    """A file version's bytes: its segments, in order. ``len()`` is its size."""

    segments: tuple[Segment, ...]

    def __len__(self) -> int:
        return sum(s.length for s in self.segments)

    def names(self) -> set[str]:
        return {s.name for s in self.segments}

    def cut(self, start: int, stop: int) -> list[Segment]:
        """The segments covering bytes ``[start, stop)``."""
        pieces: list[Segment] = []
        position = 0
        for segment in self.segments:
            low, high = max(start, position), min(stop, position + segment.length)
            if low < high:
                pieces.append(Segment(segment.name, segment.offset + low - position, high - low))
            position += segment.length
        return pieces

    def as_json(self) -> list[list[str | int]]:
        return [[s.name, s.offset, s.length] for s in self.segments]

    @classmethod
    def from_json(cls, value: Iterable[list[str | int]]) -> Blob:
        return cls(tuple(Segment(str(name), int(offset), int(length)) for name, offset, length in value))


EMPTY = Blob(())


@dataclass
class Received:
    """A request body written to a temporary file: its size and SHA-1 (of all but a trailing
    40-byte hex SHA-1 when the client sent ``hex_digits_at_end``)."""

    path: Path
    length: int
    sha1: str
    md5: str
    trailing_sha1: str | None = None


class BlobStore:
    """The blob files of one server, in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def path(self, name: str) -> Path:
        return self.directory / name

    @staticmethod
    def new_name(kind: str) -> str:
        return f"{kind}{secrets.token_hex(12)}"

    def receive(self, stream: IO[bytes], length: int, *, sha1_at_end: bool = False) -> Received:
        """Copy ``length`` bytes of ``stream`` to a temporary file, hashing them; bounded memory."""
        descriptor, temporary = _mkstemp(self.directory)
        digest, md5 = hashlib.sha1(), hashlib.md5()  # noqa: S324 (B2's checksums)
        hashed_length = length - 40 if sha1_at_end else length
        tail = b""
        try:
            with os.fdopen(descriptor, "wb") as out:
                remaining, position = length, 0
                while remaining > 0:
                    chunk = stream.read(min(CHUNK_SIZE, remaining))
                    if not chunk:
                        raise ConnectionError("request body cut short")
                    out.write(chunk)
                    hashed = chunk[: max(0, hashed_length - position)]
                    digest.update(hashed)
                    md5.update(hashed)
                    tail += chunk[len(hashed) :]
                    position += len(chunk)
                    remaining -= len(chunk)
        except BaseException:
            _unlink(temporary)
            raise
        if sha1_at_end:
            with open(temporary, "r+b") as out:  # the checksum is not part of the file
                out.truncate(hashed_length)
        trailing = tail.decode("ascii", errors="replace") if sha1_at_end else None
        return Received(Path(temporary), hashed_length, digest.hexdigest(), md5.hexdigest(), trailing)

    def adopt(self, received: Received, kind: str) -> Blob:
        """Move a received body into place: a blob of one segment."""
        if received.length == 0:
            _unlink(received.path)
            return EMPTY
        name = self.new_name(kind)
        os.replace(received.path, self.path(name))
        return Blob((Segment(name, 0, received.length),))

    def discard(self, received: Received) -> None:
        _unlink(received.path)

    def link(self, segments: Iterable[Segment], kind: str) -> Blob:
        """A new blob with the same bytes as ``segments``, sharing no names (hard links)."""
        names: dict[str, str] = {}
        for segment in segments:
            if segment.name not in names:
                names[segment.name] = self.new_name(kind)
                os.link(self.path(segment.name), self.path(names[segment.name]))
        return Blob(tuple(Segment(names[s.name], s.offset, s.length) for s in segments))

    def read(self, segments: Iterable[Segment], chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The bytes of ``segments``, ``chunk_size`` at a time."""
        for segment in segments:
            with open(self.path(segment.name), "rb") as source:
                source.seek(segment.offset)
                remaining = segment.length
                while remaining > 0:
                    chunk = source.read(min(chunk_size, remaining))
                    if not chunk:
                        raise OSError(f"blob {segment.name} is shorter than recorded")
                    yield chunk
                    remaining -= len(chunk)

    def digests(self, segments: Iterable[Segment]) -> tuple[str, str]:
        """SHA-1 and MD5 (hex) of the bytes of ``segments``."""
        sha1, md5 = hashlib.sha1(), hashlib.md5()  # noqa: S324 (B2's checksums)
        for chunk in self.read(segments):
            sha1.update(chunk)
            md5.update(chunk)
        return sha1.hexdigest(), md5.hexdigest()

    def remove(self, names: Iterable[str]) -> None:
        for name in names:
            _unlink(self.path(name))

    def collect_garbage(self, referenced: set[str]) -> int:
        """Remove blob files no state names (crash leftovers included); how many were removed."""
        removed = 0
        for path in self.directory.iterdir():
            if path.is_file() and path.name not in referenced:
                _unlink(path)
                removed += 1
        return removed


def _mkstemp(directory: Path) -> tuple[int, str]:
    return tempfile.mkstemp(dir=directory, prefix=TEMPORARY_PREFIX)


def _unlink(path: str | Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
