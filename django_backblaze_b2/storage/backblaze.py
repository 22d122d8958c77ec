"""``BackblazeB2Storage``: Django's ``Storage`` contract on B2.

The class is built in layers, each a module of this package with one job, each standing on the one
below: :mod:`.naming` (available names, the name race) on :mod:`.copies` (server-side copies, access
marks) on :mod:`.links` (URLs) on :mod:`.core` (options, client, names, metadata, download, upload).
Every B2 call is in one of them or in the modules they use (:mod:`..upload`, :mod:`..files`), so call
budgets can be read off the code.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from b2sdk.v2.exception import FileNotPresent
from django.conf import settings
from django.core.files.base import File
from django.utils.deconstruct import deconstructible

from .. import logs, names
from ..files import B2File
from .naming import StorageNaming

logs.bridge_legacy_logger()  # for projects without "django_backblaze_b2" in INSTALLED_APPS, as 7.0.0 allowed


@deconstructible(path="django_backblaze_b2.storage.BackblazeB2Storage")
class BackblazeB2Storage(StorageNaming):
    """Stores files in a Backblaze B2 bucket.

    Options come from ``settings.BACKBLAZE_CONFIG`` and, overriding it, keyword arguments (or
    ``opts={...}``, or ``STORAGES[alias]["OPTIONS"]``). See :mod:`django_backblaze_b2.options`.
    """

    def _open(self, name: str, mode: str = "rb") -> File:  # type: ignore[type-arg]
        name = names.as_text(name)
        remote = self._remote(name)
        if "w" not in mode and not any(c in mode for c in "a+"):
            # A missing file must fail at open(), as it does on disk: one HEAD, which also gives the size.
            return B2File(remote, name, mode, size=self.get_file_metadata(name).size)
        return B2File(remote, name, mode)

    def _save(self, name: str, content: Any) -> str:
        remote = self._remote(name)
        found_free = self._was_found_free(remote.file_name)
        uploaded = remote.upload(content, options=self.get_upload_options(name, content))
        if self.options.allow_file_overwrites or not found_free:
            return name
        return self._settle_name_race(name, uploaded)

    def delete(self, name: str) -> None:
        """Delete every version of ``name``, so an overwritten file never comes back. Missing is fine."""
        if not name:
            raise ValueError("The name must be given to delete().")
        file_name = self.b2_file_name(name)
        bucket = self.bucket
        versions = [version for version in bucket.list_file_versions(file_name) if version.file_name == file_name]
        # Oldest first: if B2 fails half-way, the newest content is still what the name shows, never
        # an older version brought back.
        for version in reversed(versions):
            # A concurrent delete that removed a version first has done what was asked.
            with contextlib.suppress(FileNotPresent):
                bucket.delete_file_version(version.id_, version.file_name)
        if self._memo is not None:
            self._memo.forget(self.options.bucket, file_name)

    def exists(self, name: str) -> bool:
        """Whether a file, or a folder with files in it, has this name. Always asks B2."""
        file_name = names.to_file_name(self.options.location, name, allow_root=True)
        if not file_name or file_name == self.options.location:
            self.bucket  # noqa: B018 - the root exists when the bucket does
            return True
        if self._b2_metadata(file_name) is not None:
            return True
        return self._folder_has_files(file_name)

    def _folder_has_files(self, file_name: str) -> bool:
        for _version, _folder in self.bucket.ls(file_name, recursive=True, fetch_count=1):
            return True
        return False

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        prefix = names.folder_prefix(self.options.location, path)
        directories: list[str] = []
        files: list[str] = []
        for version, folder in self.bucket.ls(prefix, recursive=False):
            if folder is not None:
                directories.append(folder[len(prefix) :].rstrip("/"))
            else:
                files.append(version.file_name[len(prefix) :])
        return directories, files

    def size(self, name: str) -> int:
        return self._metadata(name).size

    def path(self, name: str) -> str:
        raise NotImplementedError("Files in B2 have no local path; use open() to read them.")

    def get_accessed_time(self, name: str) -> datetime:
        """B2 keeps no access time: the time of the upload, like ``get_modified_time``."""
        return self.get_modified_time(name)

    def get_created_time(self, name: str) -> datetime:
        return self.get_modified_time(name)

    def get_modified_time(self, name: str) -> datetime:
        """The upload time of the newest version: aware UTC under ``USE_TZ``, else naive local time."""
        uploaded = self._metadata(name).uploaded_at
        if settings.USE_TZ:
            return uploaded
        return uploaded.astimezone().replace(tzinfo=None)
