"""What every part of the storage stands on: options, the account's client and bucket, B2 file names,
metadata (memo and HEAD), one download, one upload with the library's safe arguments, encryption.

``_Remote`` is one B2 file of a storage: the calls a file object (:mod:`..files`) makes.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal

from b2sdk.v2 import Bucket
from b2sdk.v2.exception import FileNotPresent
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import Storage
from typing_extensions import Unpack

from .. import names, upload, upload_headers
from ..client import AccountClient, client_for
from ..encryption import decryption_errors
from ..metadata import FileMetadata, MetadataMemo
from ..options import SECRET_OPTIONS, PossibleB2StorageOptions, StorageOptions, resolve


class BackblazeB2StorageConstructorArgs(PossibleB2StorageOptions, total=False):
    opts: PossibleB2StorageOptions


class StorageCore(Storage):
    """Options, client, names, metadata, download and upload of :class:`~.BackblazeB2Storage`."""

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
        return names.to_file_name(self.options.location, name)

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

    def _b2_metadata(self, file_name: str) -> FileMetadata | None:
        """HEAD of the newest version (one class B call), or None when there is no such file."""
        try:
            metadata = FileMetadata.from_version(self.bucket.get_file_info_by_name(file_name))
        except FileNotPresent:
            if self._memo is not None:
                self._memo.forget(self.options.bucket, file_name)
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
        return self._memo.get(self.options.bucket, self.b2_file_name(name))

    def get_file_metadata(self, name: str) -> FileMetadata:
        """What B2 stores about ``name`` (size, content type, SHA-1, times, headers), fresh from B2."""
        name = names.as_text(name)
        metadata = self._b2_metadata(self.b2_file_name(name))
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
        return _Remote(self, self.b2_file_name(name))

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

    def __init__(self, storage: StorageCore, file_name: str) -> None:
        self.storage = storage
        self.file_name = file_name

    def metadata(self) -> FileMetadata:
        metadata = self.storage._b2_metadata(self.file_name)
        if metadata is None:
            raise FileNotFoundError(f"No file named {self.file_name!r} in B2.")
        return metadata

    def download(self, range_: tuple[int, int] | None) -> Any:
        storage = self.storage
        try:
            with decryption_errors(self.file_name, storage.options.server_side_encryption):
                downloaded = storage.bucket.download_file_by_name(
                    self.file_name, range_=range_, **storage.encryption_arguments("read")
                )
        except FileNotPresent:
            raise FileNotFoundError(f"No file named {self.file_name!r} in B2.") from None
        if storage._memo is not None:
            # The download's headers describe the whole file (size from Content-Range when ranged).
            storage._memo.put(storage.options.bucket, FileMetadata.from_version(downloaded.download_version))
        return downloaded

    def upload(self, content: Any, options: dict[str, Any] | None = None) -> FileMetadata:
        storage = self.storage
        if options is None:
            options = storage.get_upload_options(
                names.from_file_name(storage.options.location, self.file_name), content
            )
        options = upload_headers.safe_arguments(options, self.file_name, storage.route)
        options = {**options, **storage.encryption_arguments("write")}
        version = upload.upload(storage.bucket, self.file_name, content, options)
        metadata = FileMetadata.from_version(version)
        if storage._memo is not None:
            storage._memo.put(storage.options.bucket, metadata)
        return metadata
