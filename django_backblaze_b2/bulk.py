"""B2 calls for work on many files at once: listings streamed a page at a time, and deletes priced in listings.

B2 bills a listing (``b2_list_file_names``, ``b2_list_file_versions``) as one class C transaction per
1000 names returned, whatever ``maxFileCount`` asks for, so every listing here asks for pages of
:data:`PAGE`: one call is one transaction, and call counts are the bill. A listing is a generator:
it holds one page, never the bucket.

Names come sorted as B2 sorts them, by their UTF-8 bytes. Python compares ``str`` by code point,
which is the same order (UTF-8 keeps code point order), so a merge of a listing with other sorted
names can use ``<`` on ``str``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import names
from .metadata import FileMetadata

if TYPE_CHECKING:
    from .storage import BackblazeB2Storage

#: Names per listing call: what B2 bills as one transaction.
PAGE = 1000


def latest(storage: BackblazeB2Storage, folder: str = "") -> Iterator[FileMetadata]:
    """The visible files under ``folder`` (newest versions), sorted by name; ceil(n/1000) class C calls."""
    prefix = names.folder_prefix(storage.options.location, folder)
    for version, _folder in storage.bucket.ls(prefix, recursive=True, fetch_count=PAGE):
        yield FileMetadata.from_version(version)


@dataclass(frozen=True)
class Versions:
    """Every version of one B2 file name, newest first, as one versions listing gives them."""

    file_name: str
    versions: tuple[Any, ...]  # b2sdk FileVersion: uploads, hide markers, unfinished large files ("start")

    @property
    def current(self) -> FileMetadata | None:
        """The version a download gets, or None when the name is hidden (or only being uploaded)."""
        for version in self.versions:
            if version.action == "upload":
                return FileMetadata.from_version(version)
            if version.action == "hide":
                return None
        return None

    @property
    def deletable(self) -> tuple[Any, ...]:
        """Uploads and hide markers; an unfinished large file is someone's upload in progress."""
        return tuple(version for version in self.versions if version.action in ("upload", "hide"))


def versions(storage: BackblazeB2Storage, folder: str = "") -> Iterator[Versions]:
    """Every name under ``folder`` with all its versions, sorted by name: ceil(versions/1000) class C calls."""
    prefix = names.folder_prefix(storage.options.location, folder)
    file_name: str | None = None
    group: list[Any] = []
    for version, _folder in storage.bucket.ls(prefix, latest_only=False, recursive=True, fetch_count=PAGE):
        if version.file_name != file_name:
            if file_name is not None:
                yield Versions(file_name, tuple(group))
            file_name, group = version.file_name, []
        group.append(version)
    if file_name is not None:
        yield Versions(file_name, tuple(group))


def delete_versions(storage: BackblazeB2Storage, file_name: str, listed: Iterable[Any]) -> None:
    """Delete listed versions of ``file_name`` (class A calls, free), oldest first.

    Oldest first: if B2 fails half-way, the name still shows its newest content, never an older
    version brought back.
    """
    bucket = storage.bucket
    for version in reversed(tuple(listed)):
        bucket.delete_file_version(version.id_, version.file_name)
    storage.forget_metadata(file_name)
