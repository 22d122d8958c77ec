"""Storages for ``STORAGES["staticfiles"]``: ``collectstatic`` onto B2, static URLs without B2 calls.

``BackblazeB2StaticStorage`` keeps static files under ``static/`` and overwrites them in place.
``collectstatic`` already works on the base storage's contract: it skips a file whose upload time
(``get_modified_time``) is newer than the source's, and ``--clear`` walks ``exists("")``,
``listdir`` and ``delete``. URLs point straight at the bucket (or ``cdn_config``), so the bucket
must be public (``manage.py b2_check`` says so when it is not). Building one costs no B2 call;
a URL costs none once the deployment is authorized, and none ever with ``cdn_config``.

``BackblazeB2ManifestStaticStorage`` adds Django's ``ManifestFilesMixin``: hashed names, a
manifest read on the first URL a process builds (not when the storage is built, so that
``manage.py check`` and the commands neither read nor need it), and hashed copies uploaded with a
long-lived ``Cache-Control`` because their content can never change under their name.

When B2 cannot be asked (a refused key, a missing bucket, no network), ``{% static %}`` must not take
every page down: URLs fall back to ``settings.STATIC_URL`` and unhashed names, one error is logged,
and B2 is asked again after :data:`RETRY_AFTER` seconds.
"""

from __future__ import annotations

import logging
import posixpath
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urljoin

from b2sdk.v2.exception import B2Error
from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.utils.deconstruct import deconstructible
from typing_extensions import Unpack

from . import names
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
