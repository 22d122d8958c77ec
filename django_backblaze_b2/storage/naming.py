"""Which name a save gets: Django's available-name loop on B2, alternative names that are not prefixes
of others, and settling the race of two saves that found the same name free.
"""

from __future__ import annotations

import logging
import pathlib
import posixpath
import threading

import django
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.utils import validate_file_name
from django.utils.crypto import get_random_string

from .. import logs, names
from ..metadata import FileMetadata
from .copies import StorageCopies

logger = logging.getLogger(logs.LOGGER_NAME)

ABANDONED_LARGE_FILE_MS = 24 * 3600 * 1000

# The last name this thread's is_name_available() found free, as (bucket, file_name): only such a name can
# have been found free by a concurrent save too, so only it needs settling after the upload. A name
# chosen otherwise (an overridden get_available_name(), or _save() called directly, as
# ManifestStaticFilesStorage does) is meant to overwrite.
_found_free = threading.local()


class StorageNaming(StorageCopies):
    """Available names for :class:`~.BackblazeB2Storage` saves."""

    def _was_found_free(self, file_name: str) -> bool:
        """Whether ``file_name`` is the name this thread's last ``is_name_available()`` found free (and forget it)."""
        found = getattr(_found_free, "name", None) == (self.options.bucket, file_name)
        _found_free.name = None
        return found

    def is_name_available(self, name: str, max_length: int | None = None) -> bool:
        """Django 5.1+: with ``allow_file_overwrites`` any name that fits is available.

        Otherwise the name is free when no file has it (one HEAD); a folder of that name does not
        matter, B2 keeps both apart.
        """
        name = names.as_text(name)
        if max_length is not None and len(name) > max_length:
            return False
        if self.options.allow_file_overwrites:
            return True
        file_name = self.b2_file_name(name)
        if self._b2_metadata(file_name) is not None:
            return False
        _found_free.name = (self.options.bucket, file_name)
        return True

    def get_alternative_name(self, file_root: str, file_ext: str) -> str:
        """Django's ``root_AbCdEf1.ext``; for a name without an extension ``AbCdEf1_root``, because B2
        download authorizations are name prefixes: a link to ``contract`` would also open
        ``contract_AbCdEf1``, another user's file of the same name.

        With ``allow_file_overwrites``, the name itself: a name too long is then only truncated, as
        ``FileSystemStorage(allow_overwrite=True)`` does."""
        if self.options.allow_file_overwrites:
            return f"{file_root}{file_ext}"
        if not file_ext:
            return f"{get_random_string(7)}_{file_root}"
        return super().get_alternative_name(file_root, file_ext)

    if django.VERSION < (5, 1):

        def get_available_name(self, name: str, max_length: int | None = None) -> str:
            # Django 4.2 loops on exists(); this is 5.1's loop on is_name_available().
            name = str(name).replace("\\", "/")
            dir_name, file_name = posixpath.split(name)
            if ".." in dir_name.split("/"):
                raise SuspiciousFileOperation(f"Detected path traversal attempt in '{dir_name}'")
            validate_file_name(file_name)
            file_ext = "".join(pathlib.PurePath(file_name).suffixes)
            file_root = file_name[: len(file_name) - len(file_ext)] if file_ext else file_name
            while not self.is_name_available(name, max_length=max_length):
                name = posixpath.join(dir_name, self.get_alternative_name(file_root, file_ext))
                if max_length is None:
                    continue
                truncation = len(name) - max_length
                if truncation > 0:
                    file_root = file_root[:-truncation]
                    if not file_root:
                        raise SuspiciousFileOperation(
                            f'Storage can not find an available filename for "{name}". Please make sure '
                            'that the corresponding file field allows sufficient "max_length".'
                        )
                    name = posixpath.join(dir_name, self.get_alternative_name(file_root, file_ext))
            return name

    def _settle_name_race(self, name: str, ours: FileMetadata) -> str:
        """Keep a concurrent save of the same name from silently replacing another.

        B2 has no create-if-absent, so two saves can both find a name free and both upload it.
        After uploading, list the name's versions (one class C call): the earliest upload keeps the
        name, and a later one moves itself, server-side, to a fresh name. A large file still being
        uploaded counts from its start (B2 orders versions by when they began, not when they
        finished), so a small save never keeps a name that a large one started on first; one started
        over a day ago is taken for abandoned.
        """
        bucket = self.bucket
        abandoned_before = ours.upload_timestamp - ABANDONED_LARGE_FILE_MS
        seen_ours = older_contender = False
        # Newest first, however many saves raced (B2 bills a page of up to 1000 as one call): ours,
        # then whether any contender began before it.
        for version in bucket.list_file_versions(ours.file_name, fetch_count=1000):
            if version.action == "hide":
                break
            if not (
                version.action == "upload"
                or (version.action == "start" and version.upload_timestamp > abandoned_before)
            ):
                continue
            if seen_ours:
                older_contender = True
                break
            seen_ours = version.id_ == ours.file_id
        if not older_contender:
            return name
        new_name = self.get_available_name(name)
        new_file_name = self.b2_file_name(new_name)
        logger.warning(
            "django-backblaze-b2: another save took %r at the same moment; this one is stored as %r.",
            name,
            new_name,
        )
        self._copy_version(ours, new_file_name)
        bucket.delete_file_version(ours.file_id, ours.file_name)
        if self._memo is not None:
            self._memo.forget(self.options.bucket, ours.file_name)
        return new_name
