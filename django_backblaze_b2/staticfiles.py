"""Storages for ``STORAGES["staticfiles"]``: ``collectstatic`` onto B2, static URLs without B2 calls.

``BackblazeB2StaticStorage`` keeps static files under ``static/`` and overwrites them in place.
``collectstatic`` already works on the base storage's contract: it skips a file whose upload time
(``get_modified_time``) is newer than the source's, and ``--clear`` walks ``exists("")``,
``listdir`` and ``delete``. URLs point straight at the bucket (or ``cdn_config``), so the bucket
must be public (``manage.py b2_check`` says so when it is not); building one costs no B2 call.

``BackblazeB2ManifestStaticStorage`` adds Django's ``ManifestFilesMixin``: hashed names, a
manifest read once when the storage is built, and hashed copies uploaded with a long-lived
``Cache-Control`` because their content can never change under their name.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.utils.deconstruct import deconstructible
from typing_extensions import Unpack

from . import names
from .storage import BackblazeB2Storage, BackblazeB2StorageConstructorArgs

# Class defaults: they win over BACKBLAZE_CONFIG (which describes media), lose to OPTIONS.
STATIC_DEFAULTS: dict[str, Any] = {
    "location": "static",
    # collectstatic deletes before saving, and the manifest mixin calls _save() on existing names.
    "allow_file_overwrites": True,
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

    def __init__(self, **kwargs: Unpack[BackblazeB2StorageConstructorArgs]) -> None:
        super().__init__(**_with_static_defaults(dict(kwargs)))

    def url(self, name: str | None, expire: int | None = None) -> str:
        # Overrides url() rather than the base class's _url() hook: Django's HashedFilesMixin has a
        # _url() of its own with another signature.
        if not name or expire is not None:
            return super().url(name, expire)
        return self.public_url(name)


@deconstructible(path="django_backblaze_b2.staticfiles.BackblazeB2ManifestStaticStorage")
class BackblazeB2ManifestStaticStorage(ManifestFilesMixin, BackblazeB2StaticStorage):  # type: ignore[misc]
    """``ManifestStaticFilesStorage`` on B2.

    The manifest is read when the storage is built (one HEAD and one download per process), so
    ``{% static %}`` costs no B2 call. A missing manifest is not an error until a name is looked up,
    as in Django.
    """

    #: Sent with every hashed copy: its name changes whenever its content does.
    immutable_cache_control = "public, max-age=31536000, immutable"

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
    # of its passes, deletes the hashed copy and saves it again. On B2 that is a HEAD (plus a listing
    # for a missing name) per file and three calls per re-save. While it runs, exists() answers from
    # one listing, and a delete is held back until the end: a hashed name saved again with the same
    # content (which its hash says it has) is left as it is.

    _listing: _Listing | None = None

    def post_process(
        self, paths: dict[str, Any], dry_run: bool = False, **options: Any
    ) -> Iterator[tuple[str, str, bool] | tuple[str, None, RuntimeError]]:
        if dry_run:
            yield from super().post_process(paths, dry_run, **options)
            return
        prefix = names.folder_prefix(self.options.location, "")
        self._listing = _Listing({version.file_name for version, _folder in self.bucket.ls(prefix, recursive=True)})
        try:
            yield from super().post_process(paths, dry_run, **options)
            for name in sorted(self._listing.held_deletes):
                super().delete(name)
        finally:
            self._listing = None

    def exists(self, name: str) -> bool:
        if self._listing is None or not name:
            return super().exists(name)
        return self._key(name) in self._listing.keys

    def delete(self, name: str) -> None:
        listing = self._listing
        if listing is None or not name:
            super().delete(name)
            return
        key = self._key(name)
        if key in listing.keys:
            listing.keys.discard(key)
            listing.held_deletes.add(name)

    def _save(self, name: str, content: Any) -> str:
        listing = self._listing
        if listing is None:
            return super()._save(name, content)
        if name in listing.held_deletes:
            listing.held_deletes.discard(name)
            if self._is_hashed_copy(name, content):
                listing.keys.add(self._key(name))
                return name
            super().delete(name)
        saved = super()._save(name, content)
        listing.keys.add(self._key(saved))
        return saved


@dataclass
class _Listing:
    """The keys under a static storage's location while ``post_process`` runs."""

    keys: set[str]
    held_deletes: set[str] = field(default_factory=set)
