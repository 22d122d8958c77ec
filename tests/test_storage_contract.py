"""BackblazeB2Storage held to what Django's own tests/file_storage suite checks of FileSystemStorage."""

from __future__ import annotations

import io
import pickle
import threading
from datetime import datetime, timezone

import django
import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import override_settings

from django_backblaze_b2 import BackblazeB2Storage
from django_backblaze_b2.testing import SimulatedB2


@pytest.fixture
def storage() -> BackblazeB2Storage:
    return BackblazeB2Storage()


def read(storage: BackblazeB2Storage, name: str) -> bytes:
    with storage.open(name) as f:
        return f.read()  # type: ignore[no-any-return]


def test_binary_round_trip(storage: BackblazeB2Storage) -> None:
    name = storage.save("test.bin", ContentFile(b"\x00\x01binary\xff"))
    assert name == "test.bin"
    assert read(storage, name) == b"\x00\x01binary\xff"
    assert storage.size(name) == 9


def test_text_round_trip_unicode_content(storage: BackblazeB2Storage) -> None:
    name = storage.save("unicode.txt", ContentFile("è"))
    assert storage.size(name) == 2  # UTF-8 bytes, as Django's suite expects
    with storage.open(name, "r") as f:
        assert f.read() == "è"


def test_save_stringio_content(storage: BackblazeB2Storage) -> None:
    name = storage.save("stringio.txt", File(io.StringIO("content"), name="stringio.txt"))
    assert read(storage, name) == b"content"


def test_save_without_name_uses_content_name(storage: BackblazeB2Storage) -> None:
    name = storage.save(None, ContentFile(b"x", name="from-content.txt"))
    assert name == "from-content.txt"
    assert storage.exists("from-content.txt")


def test_exists_for_folders_and_root(storage: BackblazeB2Storage) -> None:
    storage.save("path/to/test.file", ContentFile(b"file saved with path"))
    assert storage.exists("path/to/test.file")
    assert storage.exists("path/to")
    assert storage.exists("path")
    assert storage.exists("")
    assert not storage.exists("path/t")  # a prefix of a folder name is not a folder
    assert not storage.exists("nothing")


def test_save_does_not_close_or_move_callers_file(storage: BackblazeB2Storage) -> None:
    content = ContentFile(b"some content")
    content.read(4)  # the caller's position is not 0
    storage.save("keep-open.txt", content)
    assert not content.closed
    assert read(storage, "keep-open.txt") == b"some content"  # uploaded from position 0
    assert content.tell() == 4


def test_url_percent_encodes(storage: BackblazeB2Storage) -> None:
    url = storage.url("folder/a b#c?d%e.txt")
    assert url.split("?Authorization=")[0].endswith("/file/django/folder/a%20b%23c%3Fd%25e.txt")
    assert storage.url("ünïcode.txt").split("?")[0].endswith("/file/django/%C3%BCn%C3%AFcode.txt")


def test_url_of_no_name_is_a_clear_error(storage: BackblazeB2Storage) -> None:
    with pytest.raises(ValueError, match="file name is needed"):
        storage.url(None)
    with pytest.raises(ValueError):
        storage.url("")


def test_url_refuses_backslashes(storage: BackblazeB2Storage) -> None:
    with pytest.raises(SuspiciousFileOperation, match="backslash"):
        storage.url(r"a\b.txt")


def test_listdir(storage: BackblazeB2Storage) -> None:
    storage.save("storage_test_1", ContentFile(b"custom content"))
    storage.save("storage_test_2", ContentFile(b"custom content"))
    storage.save("storage_dir_1/file", ContentFile(b"custom content"))
    storage.save("storage_dir_1/nested/file", ContentFile(b"custom content"))
    dirs, files = storage.listdir("")
    assert set(dirs) == {"storage_dir_1"}
    assert set(files) == {"storage_test_1", "storage_test_2"}
    assert storage.listdir("storage_dir_1") == (["nested"], ["file"])
    assert storage.listdir("storage_dir_1/") == (["nested"], ["file"])
    assert storage.listdir("missing") == ([], [])


@pytest.mark.parametrize("name", ["..", "../etc/passwd", "a/../../b", "/etc/passwd"])
def test_traversal_is_refused_everywhere(storage: BackblazeB2Storage, name: str) -> None:
    for method in (storage.exists, storage.size, storage.url, storage.delete, storage.open, storage.listdir):
        with pytest.raises(SuspiciousFileOperation):
            method(name)
    with pytest.raises(SuspiciousFileOperation):
        storage.save(name, ContentFile(b"x"))


def test_case_is_preserved(storage: BackblazeB2Storage) -> None:
    storage.save("CaSe/FiLe.TXT", ContentFile(b"x"))
    assert storage.listdir("CaSe") == ([], ["FiLe.TXT"])
    assert not storage.exists("case/file.txt")


def test_missing_file(storage: BackblazeB2Storage) -> None:
    with pytest.raises(FileNotFoundError):
        storage.open("missing.txt")
    with pytest.raises(FileNotFoundError):
        storage.size("missing.txt")
    with pytest.raises(FileNotFoundError):
        storage.get_modified_time("missing.txt")
    storage.delete("missing.txt")  # silent


def test_chunked_reads(storage: BackblazeB2Storage) -> None:
    data = bytes(range(256)) * 1000
    storage.save("chunks.bin", ContentFile(data))
    with storage.open("chunks.bin") as f:
        chunks = list(f.chunks(chunk_size=10_000))
    assert b"".join(chunks) == data
    assert len(chunks) == 26


def test_duplicate_names_get_a_suffix_before_the_extension(storage: BackblazeB2Storage) -> None:
    first = storage.save("archive.tar.gz", ContentFile(b"1"))
    second = storage.save("archive.tar.gz", ContentFile(b"2"))
    assert first == "archive.tar.gz"
    assert second != first
    assert second.startswith("archive_") and second.endswith(".tar.gz")
    assert len(second) == len("archive_.tar.gz") + 7
    assert read(storage, first) == b"1"
    assert read(storage, second) == b"2"


def test_long_names_are_truncated_to_max_length(storage: BackblazeB2Storage) -> None:
    storage.save("x" * 20 + ".txt", ContentFile(b"1"))
    name = storage.get_available_name("x" * 20 + ".txt", max_length=22)
    assert len(name) <= 22
    assert name.endswith(".txt")
    assert not storage.exists(name)


def test_overwrite_replaces_and_truncates_when_allowed() -> None:
    storage = BackblazeB2Storage(allow_file_overwrites=True)
    storage.save("over.txt", ContentFile(b"a much longer first content"))
    name = storage.save("over.txt", ContentFile(b"short"))
    assert name == "over.txt"
    assert read(storage, "over.txt") == b"short"
    assert storage.size("over.txt") == 5


@pytest.mark.skipif(django.VERSION < (5, 1), reason="is_name_available is Django 5.1+")
def test_is_name_available_the_django_51_way() -> None:
    overwriting = BackblazeB2Storage(allow_file_overwrites=True)
    overwriting.save("taken.txt", ContentFile(b"x"))
    assert overwriting.is_name_available("taken.txt")
    assert not overwriting.is_name_available("taken.txt", max_length=3)
    assert not BackblazeB2Storage().is_name_available("taken.txt")
    assert BackblazeB2Storage().is_name_available("free.txt")


def test_exists_tells_the_truth_with_overwrites_on() -> None:
    storage = BackblazeB2Storage(allow_file_overwrites=True)
    assert not storage.exists("later.txt")
    storage.save("later.txt", ContentFile(b"x"))
    assert storage.exists("later.txt")


def test_delete_removes_every_version(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage(allow_file_overwrites=True)
    storage.save("versions.txt", ContentFile(b"old"))
    storage.save("versions.txt", ContentFile(b"new"))
    assert b2.file_versions("django", "versions.txt") == 2
    storage.delete("versions.txt")
    assert not storage.exists("versions.txt")
    assert b2.file_versions("django", "versions.txt") == 0  # the old content cannot come back


def test_delete_leaves_names_that_merely_share_a_prefix(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage()
    storage.save("a.txt", ContentFile(b"1"))
    storage.save("a.txt.bak", ContentFile(b"2"))
    storage.delete("a.txt")
    assert b2.file_names("django") == ["a.txt.bak"]


def test_pickling_keeps_a_working_storage(storage: BackblazeB2Storage) -> None:
    storage.save("pickled.txt", ContentFile(b"x"))
    restored = pickle.loads(pickle.dumps(storage))
    assert restored.exists("pickled.txt")


def test_non_seekable_input(storage: BackblazeB2Storage) -> None:
    class OnlyRead:
        def __init__(self, data: bytes) -> None:
            self._stream = io.BytesIO(data)

        def read(self, size: int = -1) -> bytes:
            return self._stream.read(size)

        def seekable(self) -> bool:
            return False

    storage.save("stream.bin", File(OnlyRead(b"streamed bytes"), name="stream.bin"))  # type: ignore[arg-type]
    assert read(storage, "stream.bin") == b"streamed bytes"


def test_empty_file(storage: BackblazeB2Storage) -> None:
    storage.save("empty.txt", ContentFile(b""))
    assert storage.size("empty.txt") == 0
    assert read(storage, "empty.txt") == b""


def test_unicode_and_special_names(storage: BackblazeB2Storage) -> None:
    for name in ("ünïcödé/名前.txt", "with space.txt", "hash#and?question%.txt"):
        saved = storage.save(name, ContentFile(name.encode()))
        assert saved == name
        assert read(storage, name) == name.encode()


def test_time_getters_are_aware_utc_under_use_tz(storage: BackblazeB2Storage) -> None:
    before = datetime.now(timezone.utc).replace(microsecond=0)
    storage.save("timed.txt", ContentFile(b"x"))
    modified = storage.get_modified_time("timed.txt")
    assert modified.tzinfo is not None and modified.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert before <= modified.replace(microsecond=0) <= datetime.now(timezone.utc)
    assert storage.get_created_time("timed.txt") == modified
    assert storage.get_accessed_time("timed.txt") == modified


@override_settings(USE_TZ=False)
def test_time_getters_are_naive_local_without_use_tz(storage: BackblazeB2Storage) -> None:
    storage.save("naive.txt", ContentFile(b"x"))
    modified = storage.get_modified_time("naive.txt")
    assert modified.tzinfo is None
    assert abs((datetime.now() - modified).total_seconds()) < 60


def test_path_is_not_implemented(storage: BackblazeB2Storage) -> None:
    with pytest.raises(NotImplementedError):
        storage.path("anything.txt")


def test_temporary_uploaded_file_is_uploaded_from_disk(storage: BackblazeB2Storage) -> None:
    upload = TemporaryUploadedFile("big.bin", "application/octet-stream", 0, None)
    upload.write(b"0123456789" * 1000)
    upload.seek(0)
    name = storage.save("uploads/big.bin", upload)
    assert read(storage, name) == b"0123456789" * 1000
    assert not upload.closed
    upload.close()


def test_content_type_from_content_or_name(storage: BackblazeB2Storage) -> None:
    storage.save("picture.png", ContentFile(b"png"))
    assert storage.get_file_metadata("picture.png").content_type == "image/png"
    storage.save("upload.bin", SimpleUploadedFile("upload.bin", b"x", content_type="application/pdf"))
    assert storage.get_file_metadata("upload.bin").content_type == "application/pdf"


def test_concurrent_first_use_authorizes_once(b2: SimulatedB2) -> None:
    storages = [BackblazeB2Storage() for _ in range(8)]
    errors: list[BaseException] = []

    def work(storage: BackblazeB2Storage) -> None:
        try:
            storage.exists("x.txt")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(s,)) for s in storages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert b2.calls["b2_authorize_account"] == 1
