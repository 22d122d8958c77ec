"""``BackblazeB2Storage``: Django's ``Storage`` contract on B2, and nothing else.

Names go through :mod:`.names`, uploads through :mod:`.upload`, file objects are :mod:`.files`,
and the b2sdk objects come from :mod:`.client`. Every B2 call this class makes is in one of
the small ``_b2_*`` methods or in those modules, so call budgets can be read off the code.
"""

from __future__ import annotations

import contextlib
import logging
import pathlib
import posixpath
import threading
import warnings
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote

import django
from b2sdk.v2 import Bucket
from b2sdk.v2.exception import FileNotPresent
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files.base import File
from django.core.files.storage import Storage
from django.core.files.utils import validate_file_name
from django.utils.crypto import get_random_string
from django.utils.deconstruct import deconstructible
from typing_extensions import Unpack

from . import access, compat, expiring_links, logs, names, upload, upload_headers
from .client import AccountClient, client_for
from .encryption import decryption_errors
from .files import B2File
from .metadata import FileMetadata, MetadataMemo
from .options import SECRET_OPTIONS, PossibleB2StorageOptions, StorageOptions, resolve

logger = logging.getLogger(logs.LOGGER_NAME)
logs.bridge_legacy_logger()  # for projects without "django_backblaze_b2" in INSTALLED_APPS, as 7.0.0 allowed

ABANDONED_LARGE_FILE_MS = 24 * 3600 * 1000

# The last name this thread's is_name_available() found free, as (bucket, key): only such a name can
# have been found free by a concurrent save too, so only it needs settling after the upload. A name
# chosen otherwise (an overridden get_available_name(), or _save() called directly, as
# ManifestStaticFilesStorage does) is meant to overwrite.
_found_free = threading.local()

MarkOutcome = Literal["marked", "already marked", "kept a more privileged mark", "changed meanwhile", "missing"]


class BackblazeB2StorageConstructorArgs(PossibleB2StorageOptions, total=False):
    opts: PossibleB2StorageOptions


@deconstructible(path="django_backblaze_b2.storage.BackblazeB2Storage")
class BackblazeB2Storage(Storage):
    """Stores files in a Backblaze B2 bucket.

    Options come from ``settings.BACKBLAZE_CONFIG`` and, overriding it, keyword arguments (or
    ``opts={...}``, or ``STORAGES[alias]["OPTIONS"]``). See :mod:`django_backblaze_b2.options`.
    """

    #: The proxy route serving this class's files ("public", "logged_in", "staff"), if any.
    route: str | None = None

    def __init__(self, **kwargs: Unpack[BackblazeB2StorageConstructorArgs]) -> None:
        given: dict[str, Any] = dict(kwargs)
        opts = given.pop("opts", None)
        if opts is not None and given:
            raise ImproperlyConfigured("Give django-backblaze-b2 options as keyword arguments or as opts=, not both.")
        constructor_options = dict(opts) if opts is not None else given
        self._keep_secrets_out_of_migrations()
        self._check_constructor_options(constructor_options)
        try:
            self._options: StorageOptions | ImproperlyConfigured = resolve(constructor_options, route=self.route)
        except ImproperlyConfigured as error:
            if _settings_are_valid():
                raise  # the storage's own arguments are wrong: say so where it is built
            # BACKBLAZE_CONFIG is wrong. A storage built while models are imported must not stop every
            # command (and `manage.py check`, whose E010 names the mistake): it raises on first use.
            self._options = error
            return
        if self.options.authorize_on_init:
            self._connection.ensure_authorized()
            if self.options.validate_on_init:
                self.bucket  # noqa: B018 - looks the bucket up (or creates it) now

    def _keep_secrets_out_of_migrations(self) -> None:
        # @deconstructible records the constructor's arguments for migrations; drop credentials.
        args, kwargs = getattr(self, "_constructor_args", ((), {}))
        kwargs = {key: value for key, value in kwargs.items() if key not in SECRET_OPTIONS}
        if isinstance(kwargs.get("opts"), dict):
            kwargs["opts"] = {key: value for key, value in kwargs["opts"].items() if key not in SECRET_OPTIONS}
        self._constructor_args = (args, kwargs)

    def _check_constructor_options(self, options: dict[str, Any]) -> None:
        """Subclasses refuse options that must come from settings."""

    @property
    def options(self) -> StorageOptions:
        """The resolved options; ``ImproperlyConfigured`` when ``BACKBLAZE_CONFIG`` is invalid."""
        if isinstance(self._options, ImproperlyConfigured):
            raise ImproperlyConfigured(str(self._options))
        return self._options

    # -- B2 plumbing --------------------------------------------------------------------------------

    @property
    def _connection(self) -> AccountClient:
        return client_for(self.options)

    @property
    def bucket(self) -> Bucket:
        return self._connection.bucket(self.options.bucket, self.options.non_existent_bucket_details)

    @property
    def b2_api(self) -> Any:
        """7.0.0's way to reach b2sdk's ``B2Api``; deprecated."""
        warnings.warn(
            "BackblazeB2Storage.b2_api is deprecated and will be removed in 9.0: use storage.bucket.api "
            "(b2sdk's B2Api of the storage's bucket, authorized and shared by the process).",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.bucket.api

    @property
    def _memo(self) -> MetadataMemo | None:
        if self.options.forbid_file_property_caching:
            return None
        return self._connection.metadata_memo

    @property
    def client(self) -> AccountClient:
        """The per-account b2sdk client this storage shares with every storage of its account."""
        return self._connection

    def b2_file_name(self, name: str) -> str:
        """The B2 file name of ``name`` (location prefix and B2's rules applied); refuses bad names."""
        return self._key(name)

    def remembered_metadata(self, name: str) -> FileMetadata | None:
        """``name``'s metadata from this process's short memo (no B2 call), or None."""
        return self._remembered_metadata(name)

    def forget_metadata(self, b2_file_name: str) -> None:
        """Drop a B2 file name from this process's metadata memo (after changing it behind the storage)."""
        if self._memo is not None:
            self._memo.forget(self.options.bucket, b2_file_name)

    def upload(self, name: str, content: Any, options: dict[str, Any]) -> FileMetadata:
        """Upload ``content`` as ``name`` with b2sdk upload ``options`` (``get_upload_options``'s, changed
        as the caller needs); encryption, the access mark and a strict content type are applied on top."""
        return self._remote(name).upload(content, options)

    def download_authorization(self, name: str, seconds: int) -> str:
        """A download token for ``name``'s exact B2 file name, reused until close to expiry (one class C
        call at most); for a web server that downloads on the caller's behalf (offload mode)."""
        return expiring_links.authorizations_for(self._connection).token(self.bucket, self._key(name), seconds)

    def _key(self, name: str) -> str:
        return names.to_key(self.options.location, name)

    def _b2_metadata(self, key: str) -> FileMetadata | None:
        """HEAD of the newest version (one class B call), or None when there is no such file."""
        try:
            metadata = FileMetadata.from_version(self.bucket.get_file_info_by_name(key))
        except FileNotPresent:
            if self._memo is not None:
                self._memo.forget(self.options.bucket, key)
            return None
        if self._memo is not None:
            self._memo.put(self.options.bucket, metadata)
        return metadata

    def _metadata(self, name: str) -> FileMetadata:
        """Metadata from the memo if fresh, else from B2; ``FileNotFoundError`` when missing."""
        return self._remembered_metadata(name) or self.get_file_metadata(name)

    def _remembered_metadata(self, name: str) -> FileMetadata | None:
        """Metadata from the short per-process memo only (no B2 call), or None."""
        if self._memo is None:
            return None
        return self._memo.get(self.options.bucket, self._key(name))

    def get_file_metadata(self, name: str) -> FileMetadata:
        """What B2 stores about ``name`` (size, content type, SHA-1, times, headers), fresh from B2."""
        name = names.as_text(name)
        metadata = self._b2_metadata(self._key(name))
        if metadata is None:
            raise FileNotFoundError(f"No file named {name!r} in this storage.")
        return metadata

    def download(self, name: str, range_: tuple[int, int] | None = None) -> Any:
        """One B2 download of ``name`` (or an inclusive byte range): b2sdk's ``DownloadedFile``.

        Its ``download_version`` has the metadata and ``response.raw`` streams the bytes; close
        ``response`` when done. Raises ``FileNotFoundError`` when missing.
        """
        return self._remote(name).download(range_)

    def _remote(self, name: str) -> _Remote:
        return _Remote(self, self._key(name))

    def get_upload_options(self, name: str, content: Any) -> dict[str, Any]:
        """Keyword arguments for b2sdk's upload of ``name``: content type, file info and the headers B2
        serves the file with (``cache_control``, ``content_disposition``, ``content_encoding``,
        ``content_language``, ``expires``).

        Override to set per-file metadata (call ``super()`` and change the dict). Encryption (from the
        ``server_side_encryption`` option), the access mark of a proxied storage and the strict content
        type are applied after this hook, so an override can neither lose nor forge them.
        """
        arguments = upload_headers.upload_arguments(
            name,
            content,
            default_headers=self.options.default_upload_headers,
            function=self.options.upload_headers_function,
            file_info=self.options.default_file_info,
        )
        return upload_headers.safe_arguments(arguments, name, self.route)

    def encryption_arguments(self, direction: Literal["read", "write"]) -> dict[str, Any]:
        """``encryption=`` for b2sdk reads or writes; nothing (the bucket's default) without the option."""
        sse = self.options.server_side_encryption
        if sse is None:
            return {}
        setting = sse.for_write() if direction == "write" else sse.for_read()
        return {} if setting is None else {"encryption": setting}

    def copy(self, name: str, new_name: str) -> str:
        """Copy ``name`` to ``new_name`` inside B2 (no bytes pass through this process), with its
        content type, headers and file info; both are encrypted as this storage says. Returns ``new_name``.
        """
        source = self.get_file_metadata(name)  # fresh: a remembered file id may be an overwritten version
        self._copy_version(source, self._key(new_name))
        return new_name

    def _copy_version(self, source: FileMetadata, target_key: str) -> FileMetadata:
        """Server-side copy of one file version to ``target_key``, encrypted as this storage says."""
        read = self.encryption_arguments("read").get("encryption")
        write = self.encryption_arguments("write").get("encryption")
        with decryption_errors(source.key, self.options.server_side_encryption):
            copied = self.bucket.copy(
                source.file_id,
                target_key,
                length=source.size,
                source_encryption=read,
                destination_encryption=write,
                **self.copy_metadata(source, target_key),
            )
        metadata = FileMetadata.from_version(copied)
        if self._memo is not None:
            self._memo.forget(self.options.bucket, target_key)
        return metadata

    def names_extending(self, key: str) -> bool:
        """Whether another file's B2 name starts with ``key`` (one class C listing)."""
        response = self.bucket.api.session.list_file_names(self.bucket.id_, key, 2, key)
        return any(found["fileName"] != key for found in response["files"])

    def mark_file(self, name: str, *, dry_run: bool = False) -> MarkOutcome:
        """Give ``name`` this proxied storage's access mark, server-side (a copy onto itself, then the
        unmarked version is deleted). A file already marked for this route or a more privileged one
        is left alone, so running it twice, or for two routes, ends with the most privileged mark.
        """
        if self.route is None:
            raise ValueError(f"{type(self).__name__} serves no proxy route: its files take no access mark.")
        try:
            source = self.get_file_metadata(name)
        except FileNotFoundError:
            return "missing"
        mark = access.marked_route(source.file_info)
        if mark == self.route:
            return "already marked"
        if access.stricter(mark, self.route) != self.route:
            return "kept a more privileged mark"
        if dry_run:
            return "marked"
        copied = self._copy_version(source, source.key)
        newest = [v for v in self.bucket.list_file_versions(source.key, fetch_count=10) if v.file_name == source.key]
        uploads = [v for v in newest if v.action == "upload"]
        if len(uploads) >= 2 and (uploads[0].id_, uploads[1].id_) == (copied.file_id, source.file_id):
            # The copy is the newest version and the unmarked one right below it: that one would be
            # billed and could come back, so it goes.
            self.bucket.delete_file_version(source.file_id, source.key)
            return "marked"
        # Someone saved the name between the HEAD and the copy: theirs is what the name must show.
        self.bucket.delete_file_version(copied.file_id, source.key)
        return "changed meanwhile"

    def copy_metadata(
        self, source: FileMetadata, target_key: str, *, moved_by_operator: bool = False
    ) -> dict[str, Any]:
        """b2sdk ``copy()`` arguments for a server-side copy of ``source`` into this storage.

        Nothing when B2 may copy the source's metadata as it is (its mark is what the copy must carry);
        else the source's metadata made safe (``upload_headers.safe_arguments``) with the copy's mark:
        the stricter of the source's and this storage's, so a copy is never less private than its
        source; or, for a move an operator asked for (``b2_copy_media``, which warns when the access
        level changes), this storage's route, or for a plain storage the source's own mark.
        """
        mark = access.marked_route(source.file_info)
        # An operator's move into a plain storage keeps what the file had, even no mark.
        level = (self.route or mark) if moved_by_operator else access.stricter(mark, self.route or access.PRIVATE)
        if mark == level:
            return {}  # B2 copies the metadata as it is
        arguments = {
            "content_type": source.content_type,
            # b2-* names are the stored headers, given again below as what they are.
            "file_info": {
                **{key: value for key, value in source.file_info.items() if not key.startswith("b2-")},
                **access.mark_info(level or access.PRIVATE),
            },
            "cache_control": source.cache_control,
            "content_disposition": source.content_disposition,
            "content_encoding": source.content_encoding,
            "content_language": source.content_language,
            "expires": source.expires,
        }
        safe = upload_headers.safe_arguments(arguments, target_key, self.route)
        # B2 replaces metadata only when a content type is given; without one the mark would be lost.
        safe["content_type"] = safe["content_type"] or "application/octet-stream"
        return safe

    # -- Django's Storage contract -----------------------------------------------------------------

    def _open(self, name: str, mode: str = "rb") -> File:  # type: ignore[type-arg]
        name = names.as_text(name)
        remote = self._remote(name)
        if "w" not in mode and not any(c in mode for c in "a+"):
            # A missing file must fail at open(), as it does on disk: one HEAD, which also gives the size.
            return B2File(remote, name, mode, size=self.get_file_metadata(name).size)
        return B2File(remote, name, mode)

    def _save(self, name: str, content: Any) -> str:
        remote = self._remote(name)
        found_free = getattr(_found_free, "name", None) == (self.options.bucket, remote.key)
        _found_free.name = None
        uploaded = remote.upload(content, options=self.get_upload_options(name, content))
        if self.options.allow_file_overwrites or not found_free:
            return name
        return self._settle_name_race(name, uploaded)

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
        for version in bucket.list_file_versions(ours.key, fetch_count=1000):
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
        new_key = self._key(new_name)
        logger.warning(
            "django-backblaze-b2: another save took %r at the same moment; this one is stored as %r.",
            name,
            new_name,
        )
        self._copy_version(ours, new_key)
        bucket.delete_file_version(ours.file_id, ours.key)
        if self._memo is not None:
            self._memo.forget(self.options.bucket, ours.key)
        return new_name

    def delete(self, name: str) -> None:
        """Delete every version of ``name``, so an overwritten file never comes back. Missing is fine."""
        if not name:
            raise ValueError("The name must be given to delete().")
        key = self._key(name)
        bucket = self.bucket
        versions = [version for version in bucket.list_file_versions(key) if version.file_name == key]
        # Oldest first: if B2 fails half-way, the newest content is still what the name shows, never
        # an older version brought back.
        for version in reversed(versions):
            # A concurrent delete that removed a version first has done what was asked.
            with contextlib.suppress(FileNotPresent):
                bucket.delete_file_version(version.id_, version.file_name)
        if self._memo is not None:
            self._memo.forget(self.options.bucket, key)

    def exists(self, name: str) -> bool:
        """Whether a file, or a folder with files in it, has this name. Always asks B2."""
        key = names.to_key(self.options.location, name, allow_root=True)
        if not key or key == self.options.location:
            self.bucket  # noqa: B018 - the root exists when the bucket does
            return True
        if self._b2_metadata(key) is not None:
            return True
        return self._folder_has_files(key)

    def _folder_has_files(self, key: str) -> bool:
        for _version, _folder in self.bucket.ls(key, recursive=True, fetch_count=1):
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

    def url(
        self,
        name: str | None,
        expire: int | timedelta | None = None,
        *,
        parameters: Mapping[str, Any] | None = None,
        http_method: str | None = None,
    ) -> str:
        """The file's URL; with ``expire`` (seconds or a ``timedelta``), a direct B2 link that stops working
        after that long.

        ``parameters`` and ``http_method`` are django-storages' S3 arguments: B2 has no equivalent, so
        anything but ``None`` (or ``"GET"``, ``"HEAD"``) is refused with what to do instead.
        """
        if isinstance(expire, Mapping):  # django-storages' url(name, parameters) given positionally
            parameters, expire = expire, None
        if parameters is not None:
            raise ValueError(
                "url(parameters=...) is django-storages' S3 option; B2 download links take no response "
                "parameters. Set the headers B2 serves a file with when it is uploaded: the "
                "'default_upload_headers' or 'upload_headers_function' options, or get_upload_options()."
            )
        if http_method is not None and http_method.upper() not in ("GET", "HEAD"):
            raise ValueError(
                f"url(http_method={http_method!r}) is django-storages' S3 option; B2 download links are for "
                "GET (and HEAD) only. Upload with storage.save() or storage.open(name, 'wb')."
            )
        if not name:
            raise ValueError("A file name is needed to build a URL.")
        name = names.as_text(name)
        if isinstance(expire, timedelta):
            expire = int(expire.total_seconds())
        if expire is not None:
            return self.expiring_url(name, expire)
        return self._get_file_url(name)

    def _get_file_url(self, name: str) -> str:
        """The direct B2 download URL: expiring when ``url_expiry`` is set or the bucket is private, else plain.

        Whether the bucket is private is learnt once per process (``expiring_private_urls=False``
        skips that and gives plain links, which a private bucket answers with 401).
        """
        options = self.options
        if options.url_expiry is not None:
            return self.expiring_url(name, options.url_expiry)
        if (
            options.expiring_private_urls
            and not (options.server_side_encryption and options.server_side_encryption.customer_key)
            and self._connection.bucket_type(options.bucket) != "allPublic"
        ):
            return self.expiring_url(name, expiring_links.PRIVATE_URL_EXPIRY)
        return self.b2_url(name)

    def expiring_url(self, name: str, seconds: int, scope: expiring_links.Scope | None = None) -> str:
        """A direct B2 link to ``name`` carrying a download authorization valid for ``seconds``.

        The token's prefix is ``name``'s exact B2 file name, unless ``scope`` (default: the
        ``url_expiry_scope`` option) widens it to the folder or the location; it is shared by every
        link with the same prefix until close to expiry. No B2 call checks that ``name`` exists: give
        it names from your own records, never straight from a request (the proxy views check first).
        On a public bucket the token changes nothing.
        """
        seconds = expiring_links.validated_seconds(seconds, "The link's lifetime (expire)")
        expiring_links.refuse_customer_key(self.options.server_side_encryption)
        key = self._key(name)
        prefix = expiring_links.scope_prefix(key, self.options.location, scope or self.options.url_expiry_scope)
        token = expiring_links.authorizations_for(self._connection).token(self.bucket, prefix, seconds)
        return f"{self.b2_url(name)}?Authorization={quote(token, safe='')}"

    def b2_url(self, name: str) -> str:
        """``{download_url}/file/{bucket}/{name}``, percent-encoded; no B2 call once authorized."""
        key = self._key(name)
        base = self._connection.download_url().rstrip("/")
        return f"{base}/file/{quote(self.options.bucket)}/{quote(key, safe='/')}"

    get_backblaze_url = b2_url  # 7.0.0's name

    def public_url(self, name: str) -> str:
        """The URL anyone can fetch on a public bucket: through ``cdn_config`` if set, else :meth:`b2_url`.

        No B2 call once authorized; whether the bucket really is public is the caller's business.
        """
        cdn = self.options.cdn_config
        if not cdn:
            return self.b2_url(name)
        base = cdn["base_url"].rstrip("/")
        if "://" not in base:
            base = f"https://{base}"
        key = quote(self._key(name), safe="/")
        if cdn["include_bucket_url_segments"]:
            return f"{base}/file/{quote(self.options.bucket)}/{key}"
        return f"{base}/{key}"

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

    # -- overwriting ---------------------------------------------------------------------------------

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
        key = self._key(name)
        if self._b2_metadata(key) is not None:
            return False
        _found_free.name = (self.options.bucket, key)
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

    def __repr__(self) -> str:
        if isinstance(self._options, ImproperlyConfigured):
            return f"<{type(self).__name__} (invalid BACKBLAZE_CONFIG)>"
        location = f", location={self.options.location!r}" if self.options.location else ""
        return f"<{type(self).__name__} bucket={self.options.bucket!r}{location}>"


def _settings_are_valid() -> bool:
    try:
        resolve({}, source="BACKBLAZE_CONFIG")
    except ImproperlyConfigured:
        return False
    return True


class _Remote:
    """One B2 file of a storage: the few calls a file object makes."""

    def __init__(self, storage: BackblazeB2Storage, key: str) -> None:
        self.storage = storage
        self.key = key

    def metadata(self) -> FileMetadata:
        metadata = self.storage._b2_metadata(self.key)
        if metadata is None:
            raise FileNotFoundError(f"No file named {self.key!r} in B2.")
        return metadata

    def download(self, range_: tuple[int, int] | None) -> Any:
        storage = self.storage
        try:
            with decryption_errors(self.key, storage.options.server_side_encryption):
                downloaded = storage.bucket.download_file_by_name(
                    self.key, range_=range_, **storage.encryption_arguments("read")
                )
        except FileNotPresent:
            raise FileNotFoundError(f"No file named {self.key!r} in B2.") from None
        if storage._memo is not None:
            # The download's headers describe the whole file (size from Content-Range when ranged).
            storage._memo.put(storage.options.bucket, FileMetadata.from_version(downloaded.download_version))
        return downloaded

    def upload(self, content: Any, options: dict[str, Any] | None = None) -> FileMetadata:
        storage = self.storage
        if options is None:
            options = storage.get_upload_options(names.from_key(storage.options.location, self.key), content)
        options = upload_headers.safe_arguments(options, self.key, storage.route)
        options = {**options, **storage.encryption_arguments("write")}
        version = upload.upload(storage.bucket, self.key, content, options)
        metadata = FileMetadata.from_version(version)
        if storage._memo is not None:
            storage._memo.put(storage.options.bucket, metadata)
        return metadata


def __getattr__(name: str) -> Any:
    # 7.0.0's names that went away (see compat.py).
    return compat.deprecated_name(__name__, name)
