"""What a storage holds, as much as can be known without reading the bytes.

For a B2 storage one listing (a class C call per 10,000 files) gives every file's size, SHA-1,
content type, file info and upload time; looking a name up afterwards costs nothing. Any other
Django storage is asked per file, and its SHA-1 is computed by reading the file when needed.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.core.files.storage import Storage

from .. import names
from ..metadata import FileMetadata
from ..storage import BackblazeB2Storage

#: File info B2 tools use for the SHA-1 of a large (multi-part) file, which B2 itself doesn't keep.
LARGE_FILE_SHA1 = "large_file_sha1"
#: File info set on a server-side copy: the B2 file id it was copied from.
COPY_OF = "django_b2_copy_of"
READ_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    name: str
    size: int
    sha1: str | None = None  # known without reading: B2's content SHA-1 or large_file_sha1
    file_id: str | None = None
    content_type: str | None = None
    file_info: Mapping[str, str] = field(default_factory=dict)
    uploaded_at: datetime | None = None

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
        )


class Inventory:
    """The files of one storage, optionally only those under a folder."""

    def __init__(self, storage: Storage, folder: str = "") -> None:
        self.storage = storage
        self.folder = folder.strip("/")

    def names(self) -> Iterator[str]:
        """Every file name under the folder, sorted."""
        yield from sorted(self._walk(self.folder))

    def _walk(self, path: str) -> Iterator[str]:
        if path and not self.storage.exists(path):
            return
        directories, files = self.storage.listdir(path)
        for file_name in files:
            yield f"{path}/{file_name}" if path else file_name
        for directory in directories:
            yield from self._walk(f"{path}/{directory}" if path else directory)

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

    def forget(self, name: str) -> None:
        """Called after writing ``name``; nothing is remembered here."""


class B2Inventory(Inventory):
    """A B2 storage's files from one listing, taken when first needed."""

    storage: BackblazeB2Storage

    def __init__(self, storage: BackblazeB2Storage, folder: str = "") -> None:
        super().__init__(storage, folder)
        self._files: dict[str, StoredFile] | None = None
        self._lock = threading.Lock()  # copy workers ask at once: list once

    @property
    def files(self) -> dict[str, StoredFile]:
        with self._lock:
            return self._listed()

    def _listed(self) -> dict[str, StoredFile]:
        if self._files is None:
            location = self.storage.options.location
            prefix = names.folder_prefix(location, self.folder)
            listed = {}
            for version, _folder in self.storage.bucket.ls(prefix, recursive=True):
                name = names.from_key(location, version.file_name)
                listed[name] = StoredFile.from_b2(name, FileMetadata.from_version(version))
            self._files = listed
        return self._files

    def names(self) -> Iterator[str]:
        yield from sorted(self.files)

    def get(self, name: str) -> StoredFile | None:
        return self.files.get(name)

    def sha1(self, stored: StoredFile) -> str | None:
        # Reading a B2 file to hash it costs a download: without a stored SHA-1, it is unknown.
        return stored.sha1

    def forget(self, name: str) -> None:
        with self._lock:
            if self._files is not None:
                self._files.pop(name, None)


def inventory_of(storage: Storage, folder: str = "") -> Inventory:
    if isinstance(storage, BackblazeB2Storage):
        return B2Inventory(storage, folder)
    return Inventory(storage, folder)
