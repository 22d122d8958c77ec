"""Reads fetch only what they need; writes go up in bounded pieces, multi-part when large."""

from __future__ import annotations

import hashlib
import io
import os
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import TemporaryUploadedFile

from django_backblaze_b2 import BackblazeB2Storage
from django_backblaze_b2.files import SOCKET_READ_SIZE, B2File
from django_backblaze_b2.testing import SimulatedB2

DATA = os.urandom(3 * 1024 * 1024 + 17)


@pytest.fixture
def stored(b2: SimulatedB2) -> BackblazeB2Storage:
    storage = BackblazeB2Storage()
    storage.save("blob.bin", ContentFile(DATA))
    b2.calls.clear()
    return storage


def test_open_then_close_downloads_nothing(stored: BackblazeB2Storage, b2: SimulatedB2) -> None:
    stored.open("blob.bin").close()
    assert b2.calls["b2_download_file_by_name"] == 0
    assert b2.calls["b2_get_file_info_by_name"] == 1  # open() checks the file exists


def test_sequential_reads_use_one_download(stored: BackblazeB2Storage, b2: SimulatedB2) -> None:
    with stored.open("blob.bin") as f:
        pieces = [f.read(100_000) for _ in range(5)]
    assert b"".join(pieces) == DATA[:500_000]
    assert b2.calls["b2_download_file_by_name"] == 1


def test_seek_then_read_fetches_a_range(stored: BackblazeB2Storage, b2: SimulatedB2) -> None:
    with stored.open("blob.bin") as f:
        f.seek(2_000_000)
        assert f.read(10) == DATA[2_000_000:2_000_010]
        f.seek(-5, io.SEEK_END)
        assert f.read() == DATA[-5:]
        f.seek(len(DATA) + 10)
        assert f.read() == b""
    assert b2.calls["b2_download_file_by_name"] == 2  # one per contiguous run; reading past the end costs none


def test_iteration_and_text_mode(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage()
    storage.save("lines.txt", ContentFile("première\nseconde\n".encode()))
    with storage.open("lines.txt", "rb") as f:
        assert list(f) == ["première\n".encode(), b"seconde\n"]
    with storage.open("lines.txt", "r") as f:
        assert f.readline() == "première\n"


def test_file_size_without_reading(stored: BackblazeB2Storage, b2: SimulatedB2) -> None:
    with stored.open("blob.bin") as f:
        assert f.size == len(DATA)
    assert b2.calls["b2_download_file_by_name"] == 0


def test_write_mode_appends_across_writes_and_uploads_on_close(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage()
    with storage.open("written.bin", "wb") as f:
        for _ in range(10):
            f.write(b"x" * 1000)
        assert b2.calls["b2_upload_file"] == 0  # nothing goes up until close
    assert storage.size("written.bin") == 10_000
    with storage.open("written.txt", "w") as f:
        f.write("héllo ")
        f.write("wörld")
    assert storage.open("written.txt").read() == "héllo wörld".encode()


def test_an_error_inside_a_write_block_stores_nothing(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage()
    with pytest.raises(RuntimeError), storage.open("half.bin", "wb") as f:
        f.write(b"first half")
        raise RuntimeError("the export failed half way")
    assert not storage.exists("half.bin")
    assert b2.calls["b2_upload_file"] == 0


def test_unsupported_modes_are_refused_clearly() -> None:
    storage = BackblazeB2Storage()
    storage.save("a.txt", ContentFile(b"x"))
    for mode in ("ab", "r+", "w+b"):
        with pytest.raises(ValueError, match="cannot append"):
            storage.open("a.txt", mode)


def test_writing_to_a_file_opened_for_reading_fails() -> None:
    storage = BackblazeB2Storage()
    storage.save("a.txt", ContentFile(b"x"))
    with storage.open("a.txt") as f, pytest.raises(io.UnsupportedOperation):
        f.write(b"y")


LARGE = os.urandom(11 * 1_000_000 + 123)


def _sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def test_large_file_from_disk_goes_up_in_parts(small_parts_b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage()
    upload = TemporaryUploadedFile("large.bin", "application/octet-stream", len(LARGE), None)
    upload.write(LARGE)
    upload.seek(0)
    storage.save("large.bin", upload)
    upload.close()
    assert small_parts_b2.calls["b2_start_large_file"] == 1
    assert small_parts_b2.calls["b2_upload_part"] >= 2
    with storage.open("large.bin") as f:
        assert _sha1(f.read()) == _sha1(LARGE)


def test_large_in_memory_content_goes_up_in_parts(small_parts_b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage()
    storage.save("large.bin", ContentFile(LARGE))
    assert small_parts_b2.calls["b2_upload_part"] >= 2
    with storage.open("large.bin") as f:
        f.seek(5_000_000 - 3)
        assert f.read(6) == LARGE[5_000_000 - 3 : 5_000_000 + 3]


def test_large_non_seekable_stream_goes_up_in_parts(small_parts_b2: SimulatedB2) -> None:
    class Pipe:
        def __init__(self) -> None:
            self._stream = io.BytesIO(LARGE)

        def read(self, size: int = -1) -> bytes:
            return self._stream.read(size)

        def seekable(self) -> bool:
            return False

    storage = BackblazeB2Storage()
    storage.save("piped.bin", File(Pipe(), name="piped.bin"))  # type: ignore[arg-type]
    assert small_parts_b2.calls["b2_upload_part"] >= 2
    assert storage.size("piped.bin") == len(LARGE)
    with storage.open("piped.bin") as f:
        assert _sha1(f.read()) == _sha1(LARGE)


def test_large_write_mode_file(small_parts_b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage()
    with storage.open("export.bin", "wb") as f:
        for offset in range(0, len(LARGE), 1_000_000):
            f.write(LARGE[offset : offset + 1_000_000])
    assert small_parts_b2.calls["b2_upload_part"] >= 2
    assert storage.size("export.bin") == len(LARGE)


class _RecordingBody:
    """A download body that remembers how many bytes each read asked for."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.asked: list[int] = []

    def read(self, size: int) -> bytes:
        self.asked.append(size)
        return self._data.read(size)


class _OneFile:
    """A remote file whose downloads are recorded (the reader's only collaborator)."""

    file_name = "big.bin"

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.bodies: list[_RecordingBody] = []

    def metadata(self) -> Any:
        raise AssertionError("the first download gives the size")

    def download(self, range_: tuple[int, int] | None) -> Any:
        start = range_[0] if range_ else 0
        body = _RecordingBody(self.data[start:])
        self.bodies.append(body)
        return SimpleNamespace(
            response=SimpleNamespace(raw=body, close=lambda: None),
            download_version=SimpleNamespace(content_length=len(self.data), id_="v1"),
        )

    def upload(self, content: Any) -> Any:
        raise AssertionError("nothing is written")


@pytest.mark.parametrize("chunk", [64 * 1024, 1024 * 1024, 4 * 1024 * 1024])
def test_reads_of_any_size_take_the_socket_in_pieces_of_a_quarter_mib(chunk: int) -> None:
    # The piece size sets the speed at which big files are read: 64 KiB pieces or 1 MiB ones ran reads
    # at half b2sdk's speed (see docs/benchmarks.md). Pieces of 256 KiB: four calls per MiB, no more.
    remote = _OneFile(DATA)
    with B2File(remote, "big.bin") as file:
        received = b"".join(iter(lambda: file.read(chunk), b""))
    assert received == DATA
    [body] = remote.bodies
    assert max(body.asked) == SOCKET_READ_SIZE == 256 * 1024
    assert len(body.asked) <= len(DATA) // SOCKET_READ_SIZE + 2  # the last piece is short, then the end
