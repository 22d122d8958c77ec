"""Storages for ``STORAGES["staticfiles"]``: ``collectstatic`` onto B2, static URLs without B2 calls.

``BackblazeB2StaticStorage`` keeps static files under ``static/`` and overwrites them in place.
URLs point straight at the bucket (or ``cdn_config``), so the bucket must be public
(``manage.py b2_check`` says so when it is not). Building one costs no B2 call; a URL costs none once
the deployment is authorized, and none ever with ``cdn_config``.

``collectstatic`` asks the storage about every file: ``exists`` and ``get_modified_time`` to skip
unchanged ones, ``delete`` before uploading a changed one, ``listdir`` and ``delete`` for ``--clear``.
On B2 that is a HEAD, a listing and a versions listing per file. Inside :meth:`collecting` the
storage answers them from one versions listing of its location taken at the start (a class C call
per 1000 versions), kept up to date by the run's own uploads and deletes, and deletes a name's
versions from it (free class A calls). This library's ``collectstatic`` (which wins over Django's
when ``django_backblaze_b2`` is listed above ``django.contrib.staticfiles`` in ``INSTALLED_APPS``;
check ``django_backblaze_b2.W070`` says so otherwise) runs inside it and shows a progress line.
A URL costs no B2 call once the deployment is authorized, and none ever with ``cdn_config``.

``BackblazeB2ManifestStaticStorage`` adds Django's ``ManifestFilesMixin``: hashed names, a
manifest read on the first URL a process builds (not when the storage is built, so that
``manage.py check`` and the commands neither read nor need it), and hashed copies uploaded with a
long-lived ``Cache-Control`` because their content can never change under their name.

When B2 cannot be asked (a refused key, a missing bucket, no network), ``{% static %}`` must not take
every page down: URLs fall back to ``settings.STATIC_URL`` and unhashed names, one error is logged,
and B2 is asked again after :data:`RETRY_AFTER` seconds.
"""

from __future__ import annotations

import bisect
import logging
import posixpath
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urljoin

from b2sdk.v2.exception import B2Error
from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.utils.deconstruct import deconstructible
from typing_extensions import Unpack

from . import bulk, names
from .metadata import FileMetadata
from .storage import BackblazeB2Storage, BackblazeB2StorageConstructorArgs

logger = logging.getLogger("django_backblaze_b2")

#: Seconds static URLs keep to the fallback after B2 could not be asked, before asking again.
RETRY_AFTER = 30.0

# Class defaults: they win over BACKBLAZE_CONFIG (which describes media), lose to OPTIONS.
STATIC_DEFAULTS: dict[str, Any] = {
    "location": "static",
    # collectstatic deletes before saving, and the manifest mixin calls _save() on existing names.
    "allow_file_overwrites": True,
    # Media's settings that cannot fit a public static bucket: links that expire, and a bucket created
    # private. Set them in STORAGES["staticfiles"]["OPTIONS"] to create the static bucket, public.
    "url_expiry": None,
    "proxy_redirect_expiry": None,
    "non_existent_bucket_details": None,
}


def _with_static_defaults(kwargs: dict[str, Any]) -> dict[str, Any]:
    if "opts" in kwargs:
        return {**kwargs, "opts": {**STATIC_DEFAULTS, **kwargs["opts"]}}
    return {**STATIC_DEFAULTS, **kwargs}


@deconstructible(path="django_backblaze_b2.staticfiles.BackblazeB2StaticStorage")
class BackblazeB2StaticStorage(BackblazeB2Storage):
    """Static files in a public bucket, under ``static/``, with direct (or CDN) URLs."""

    #: ``manage.py b2_check`` reports a private bucket as an error: direct links would not work.
    requires_public_bucket = True

    #: time.monotonic() until which B2 is not asked again, after it could not be (see RETRY_AFTER).
    _b2_unreachable_until = 0.0

    def __init__(self, **kwargs: Unpack[BackblazeB2StorageConstructorArgs]) -> None:
        super().__init__(**_with_static_defaults(dict(kwargs)))

    def _get_file_url(self, name: str) -> str:
        if not self._b2_unreachable():
            try:
                return self.public_url(name)  # with cdn_config: from settings alone, no B2 call
            except B2Error as error:
                self._note_b2_unreachable("static URLs use settings.STATIC_URL", error)
        return urljoin(settings.STATIC_URL or "/", quote(name, safe="/"))

    def _b2_unreachable(self) -> bool:
        return time.monotonic() < self._b2_unreachable_until

    def _note_b2_unreachable(self, meanwhile: str, error: B2Error) -> None:
        self._b2_unreachable_until = time.monotonic() + RETRY_AFTER
        logger.error(
            "django-backblaze-b2: %s could not ask B2 about bucket %r (%s: %s); %s for the next %d s. "
            "Run `manage.py check --deploy --tag b2` or `manage.py b2_check` to see what is wrong.",
            type(self).__name__,
            self.options.bucket,
            type(error).__name__,
            error,
            meanwhile,
            RETRY_AFTER,
        )

    # -- a collectstatic run -----------------------------------------------------------------------

    _snapshot: _Snapshot | None = None

    @contextmanager
    def collecting(self) -> Iterator[None]:
        """Answer ``exists``, ``listdir``, ``size``, the times and ``delete`` from one listing while inside.

        For one process doing a deploy: a file another process uploads meanwhile is not seen.
        Nested use shares the outer listing.
        """
        if self._snapshot is not None:
            yield
            return
        self._snapshot = _Snapshot.of(self)
        try:
            yield
        finally:
            self._snapshot = None

    def _known(self, name: str) -> tuple[_Snapshot, str] | None:
        """The run's snapshot and the name's B2 file name, when the snapshot can answer for it."""
        snapshot = self._snapshot
        if snapshot is None or not name:
            return None
        file_name = names.to_file_name(self.options.location, name, allow_root=True)
        if not file_name or file_name == self.options.location or file_name in snapshot.unknown:
            return None
        return snapshot, file_name

    def exists(self, name: str) -> bool:
        known = self._known(name)
        if known is None:
            return super().exists(name)
        snapshot, file_name = known
        return snapshot.has_file(file_name) or snapshot.has_folder(file_name)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        snapshot = self._snapshot
        if snapshot is None:
            return super().listdir(path)
        return snapshot.listdir(names.folder_prefix(self.options.location, path))

    def _metadata(self, name: str) -> FileMetadata:
        known = self._known(name)
        if known is None:
            return super()._metadata(name)
        snapshot, file_name = known
        entry = snapshot.entries.get(file_name)
        if entry is None or entry.current is None:
            raise FileNotFoundError(f"No file named {name!r} in this storage.")
        return entry.current

    def delete(self, name: str) -> None:
        known = self._known(name)
        if known is None:
            super().delete(name)
            return
        snapshot, file_name = known
        entry = snapshot.entries.pop(file_name, None)
        if entry is None:
            return
        bulk.delete_versions(self, file_name, entry.versions)
        snapshot.forget(file_name)

    def _save(self, name: str, content: Any) -> str:
        saved = super()._save(name, content)
        snapshot = self._snapshot
        if snapshot is not None:
            # The upload's metadata is in the memo; without it, B2 answers for this name.
            snapshot.saved(self.b2_file_name(saved), self._remembered_metadata(saved))
        return saved


@deconstructible(path="django_backblaze_b2.staticfiles.BackblazeB2ManifestStaticStorage")
class BackblazeB2ManifestStaticStorage(ManifestFilesMixin, BackblazeB2StaticStorage):  # type: ignore[misc]
    """``ManifestStaticFilesStorage`` on B2.

    The manifest is read on the first URL built (one HEAD and one download per process), not when the
    storage is built; after that ``{% static %}`` costs no B2 call. A missing manifest is not an error
    until a name is looked up, as in Django. While B2 cannot be asked, names stay unhashed.
    """

    #: Sent with every hashed copy: its name changes whenever its content does.
    immutable_cache_control = "public, max-age=31536000, immutable"

    # -- the manifest, read on first use ---------------------------------------------------------
    # ManifestFilesMixin.__init__ assigns hashed_files and manifest_hash from load_manifest(); while
    # the storage is being built that returns None, which these properties read as "not read yet".

    _building = False
    _hashed_files: dict[str, str] | None = None
    _manifest_hash: str | None = None

    def __init__(self, **kwargs: Any) -> None:
        self._building = True
        try:
            super().__init__(**kwargs)
        finally:
            self._building = False

    def load_manifest(self) -> Any:  # django-stubs says dict; Django returns (hashed_files, manifest_hash)
        if self._building:
            return None, None
        return super().load_manifest()

    def _manifest_read(self) -> bool:
        """Read the manifest unless already done; False (the problem logged) while B2 cannot be asked."""
        if self._hashed_files is not None:
            return True
        if self._b2_unreachable():
            return False
        try:
            self._hashed_files, self._manifest_hash = self.load_manifest()
        except B2Error as error:
            self._note_b2_unreachable("static URLs use unhashed names", error)
            return False
        return True

    @property
    def hashed_files(self) -> dict[str, str]:
        self._manifest_read()
        return {} if self._hashed_files is None else self._hashed_files

    @hashed_files.setter
    def hashed_files(self, value: dict[str, str] | None) -> None:
        self._hashed_files = value

    @property
    def manifest_hash(self) -> str:
        self._manifest_read()
        return self._manifest_hash or ""

    @manifest_hash.setter
    def manifest_hash(self, value: str | None) -> None:
        self._manifest_hash = value

    def stored_name(self, name: str) -> str:
        if not self._manifest_read():
            return name
        return super().stored_name(name)

    def get_upload_options(self, name: str, content: Any) -> dict[str, Any]:
        options = super().get_upload_options(name, content)
        if self._is_hashed_copy(name, content):
            options["cache_control"] = self.immutable_cache_control
        return options

    def _is_hashed_copy(self, name: str, content: Any) -> bool:
        """Whether ``name`` carries the hash of ``content``, as ``hashed_name()`` writes it."""
        # hashed_name() turns "dir/root.ext" into "dir/root.<hash>.ext" (or "root.<hash>").
        stem, _ext = posixpath.splitext(name)
        _root, dotted_hash = posixpath.splitext(stem)
        if len(dotted_hash) < 2:
            return False
        try:
            return bool(dotted_hash[1:] == self.file_hash(name, content))
        finally:
            if hasattr(content, "seek"):
                content.seek(0)

    # -- post-processing -------------------------------------------------------------------------
    # Django's post_process() asks exists() of every hashed name, and for every CSS/JS file, on each
    # of its passes, deletes the hashed copy and saves it again. It runs inside collecting() (one
    # listing answers exists()), and a delete is held back until the end: a hashed name saved again
    # with the same content (which its hash says it has) is left as it is.

    _held_deletes: set[str] | None = None

    def post_process(
        self, paths: dict[str, Any], dry_run: bool = False, **options: Any
    ) -> Iterator[tuple[str, str, bool] | tuple[str, None, RuntimeError]]:
        if dry_run:
            yield from super().post_process(paths, dry_run, **options)
            return
        with self.collecting():
            self._held_deletes = set()
            try:
                yield from super().post_process(paths, dry_run, **options)
                held, self._held_deletes = self._held_deletes, None
                for name in sorted(held):
                    super().delete(name)
            finally:
                self._held_deletes = None

    def exists(self, name: str) -> bool:
        if self._held_deletes is not None and name in self._held_deletes:
            return False
        return super().exists(name)

    def delete(self, name: str) -> None:
        held = self._held_deletes
        if held is None or not name:
            super().delete(name)
        elif super().exists(name):
            held.add(name)

    def _save(self, name: str, content: Any) -> str:
        held = self._held_deletes
        if held is not None and name in held:
            held.discard(name)
            if self._is_hashed_copy(name, content):
                return name
            super().delete(name)
        return super()._save(name, content)


@dataclass
class _Entry:
    current: FileMetadata | None  # None: hidden
    versions: list[_Version]


@dataclass(frozen=True)
class _Version:
    """What deleting a version takes."""

    id_: str
    file_name: str


@dataclass
class _Snapshot:
    """The names under a static storage's location during a collectstatic run, with their versions."""

    entries: dict[str, _Entry] = field(default_factory=dict)
    file_names: list[str] = field(default_factory=list)  # visible files, sorted as B2 sorts them
    unknown: set[str] = field(default_factory=set)  # saved during the run without metadata to record

    @classmethod
    def of(cls, storage: BackblazeB2StaticStorage) -> _Snapshot:
        snapshot = cls()
        for listed in bulk.versions(storage):
            current = listed.current
            versions = [_Version(version.id_, version.file_name) for version in listed.deletable]
            snapshot.entries[listed.file_name] = _Entry(current, versions)
            if current is not None:
                snapshot.file_names.append(listed.file_name)
        return snapshot

    def has_file(self, file_name: str) -> bool:
        entry = self.entries.get(file_name)
        return entry is not None and entry.current is not None

    def has_folder(self, file_name: str) -> bool:
        prefix = f"{file_name}/"
        index = bisect.bisect_left(self.file_names, prefix)
        return index < len(self.file_names) and self.file_names[index].startswith(prefix)

    def listdir(self, prefix: str) -> tuple[list[str], list[str]]:
        directories: list[str] = []
        files: list[str] = []
        for file_name in self.file_names[bisect.bisect_left(self.file_names, prefix) :]:
            if not file_name.startswith(prefix):
                break
            rest = file_name[len(prefix) :]
            if "/" in rest:
                folder = rest.split("/", 1)[0]
                if not directories or directories[-1] != folder:
                    directories.append(folder)
            else:
                files.append(rest)
        return directories, files

    def saved(self, file_name: str, metadata: FileMetadata | None) -> None:
        if metadata is None:
            self.unknown.add(file_name)
            self.entries.pop(file_name, None)
        else:
            entry = self.entries.setdefault(file_name, _Entry(None, []))
            entry.current = metadata
            entry.versions.insert(0, _Version(metadata.file_id, file_name))
        index = bisect.bisect_left(self.file_names, file_name)
        if index == len(self.file_names) or self.file_names[index] != file_name:
            self.file_names.insert(index, file_name)

    def forget(self, file_name: str) -> None:
        index = bisect.bisect_left(self.file_names, file_name)
        if index < len(self.file_names) and self.file_names[index] == file_name:
            del self.file_names[index]
