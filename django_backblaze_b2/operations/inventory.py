"""What a storage holds, streamed in name order, as much as can be known without reading the bytes.

A B2 storage is listed (:mod:`django_backblaze_b2.bulk`: a class C call per 1000 files), which gives
every file's size, SHA-1, content type, file info and upload time. Any other Django storage is
walked folder by folder and asked per file, and its SHA-1 is computed by reading the file when needed.

Both stream: nothing here holds more than a page of a listing (or one folder of a walk), so memory
stays flat however many files there are. Names come in B2's order, by UTF-8 bytes, which is the
order of Python's ``str`` comparison; :class:`Cursor` looks names up in a stream as a merge does.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.core.files.storage import Storage

from .. import bulk, names
from ..metadata import FileMetadata
from ..storage import BackblazeB2Storage

#: File info B2 tools use for the SHA-1 of a large (multi-part) file, which B2 itself doesn't keep.
LARGE_FILE_SHA1 = "large_file_sha1"
#: File info set on a server-side copy: the B2 file id it was copied from.
COPY_OF = "django_b2_copy_of"
READ_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    """A file in any Django storage, as the copy and orphan commands compare them.

    A B2 storage's files carry their :class:`FileMetadata` (the one record of a B2 file); a file in
    another backend (``FileSystemStorage`` as a copy's source or target) has only what Django's
    ``Storage`` API tells, which is why this is not ``FileMetadata`` itself.
    """

    name: str
    size: int
    sha1: str | None = None  # known without reading: B2's content SHA-1 or large_file_sha1
    file_id: str | None = None
    content_type: str | None = None
    file_info: Mapping[str, str] = field(default_factory=dict)
    uploaded_at: datetime | None = None
    metadata: FileMetadata | None = None  # what B2 stores about it, for a B2 storage

    @property
    def copy_of(self) -> str | None:
        return self.file_info.get(COPY_OF)

    @classmethod
    def from_b2(cls, name: str, metadata: FileMetadata) -> StoredFile:
        return cls(
            name=name,
            size=metadata.size,
            sha1=metadata.content_sha1 or metadata.file_info.get(LARGE_FILE_SHA1),
            file_id=metadata.file_id,
            content_type=metadata.content_type,
            file_info=metadata.file_info,
            uploaded_at=metadata.uploaded_at,
            metadata=metadata,
        )


class Inventory:
    """The files of one storage, optionally only those under a folder."""

    def __init__(self, storage: Storage, folder: str = "") -> None:
        self.storage = storage
        self.folder = folder.strip("/")

    def files(self) -> Iterator[StoredFile]:
        """Every file under the folder, sorted by name."""
        for name in self._walk(self.folder):
            stored = self.get(name)
            if stored is not None:
                yield stored

    def _walk(self, path: str) -> Iterator[str]:
        """Names in sorted order, one folder listing at a time.

        Within a folder, a subfolder ``d`` sorts as ``"d/"``: every name inside it compares with
        the folder's other entries as ``"d/"`` does, so yielding its names at that place keeps the
        whole walk in order.
        """
        if path and not self.storage.exists(path):
            return
        directories, files = self.storage.listdir(path)
        entries = [(file_name, False) for file_name in files] + [(f"{d}/", True) for d in directories]
        for entry, is_folder in sorted(entries):
            full = f"{path}/{entry}" if path else entry
            if is_folder:
                yield from self._walk(full.rstrip("/"))
            else:
                yield full

    def finder(self) -> Callable[[str], StoredFile | None]:
        """A lookup for names asked in ascending order (here: one question per name)."""
        return self.get

    def get(self, name: str) -> StoredFile | None:
        if not self.storage.exists(name):
            return None
        uploaded_at = None
        with contextlib.suppress(NotImplementedError, OSError):
            uploaded_at = self.storage.get_modified_time(name)
        return StoredFile(name=name, size=self.storage.size(name), uploaded_at=uploaded_at)

    def sha1(self, stored: StoredFile) -> str | None:
        """The file's SHA-1: read it and hash it."""
        digest = hashlib.sha1(usedforsecurity=False)
        with self.storage.open(stored.name, "rb") as content:
            for chunk in iter(lambda: content.read(READ_CHUNK), b""):
                digest.update(chunk)
        return digest.hexdigest()


class B2Inventory(Inventory):
    """A B2 storage's files, streamed from one listing."""

    storage: BackblazeB2Storage

    def __init__(self, storage: BackblazeB2Storage, folder: str = "") -> None:
        super().__init__(storage, folder)

    def files(self) -> Iterator[StoredFile]:
        location = self.storage.options.location
        for metadata in bulk.latest(self.storage, self.folder):
            yield StoredFile.from_b2(names.from_file_name(location, metadata.file_name), metadata)

    def finder(self) -> Callable[[str], StoredFile | None]:
        """One listing, walked alongside the names asked: ceil(n/1000) calls however many are asked."""
        return Cursor(self.files()).find

    def get(self, name: str) -> StoredFile | None:
        """One HEAD; for many names, :meth:`finder`."""
        try:
            return StoredFile.from_b2(name, self.storage.get_file_metadata(name))
        except FileNotFoundError:
            return None

    def sha1(self, stored: StoredFile) -> str | None:
        # Reading a B2 file to hash it costs a download: without a stored SHA-1, it is unknown.
        return stored.sha1


class Cursor:
    """Finds names in a sorted stream of files, the names asked in ascending order (a merge join)."""

    def __init__(self, files: Iterator[StoredFile]) -> None:
        self._files = files
        self._head: StoredFile | None = None
        self._started = False
        self._last_asked: str | None = None

    def find(self, name: str) -> StoredFile | None:
        if self._last_asked is not None and name < self._last_asked:
            raise ValueError(f"names must be asked in sorted order: {name!r} came after {self._last_asked!r}")
        self._last_asked = name
        if not self._started:
            self._started = True
            self._head = next(self._files, None)
        while self._head is not None and self._head.name < name:
            self._head = next(self._files, None)
        if self._head is not None and self._head.name == name:
            return self._head
        return None


def inventory_of(storage: Storage, folder: str = "") -> Inventory:
    if isinstance(storage, BackblazeB2Storage):
        return B2Inventory(storage, folder)
    return Inventory(storage, folder)
