"""The storage's URLs: ``url()`` (with django-storages' arguments refused), direct B2 links, expiring
links with file-scoped download authorizations, CDN URLs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from .. import expiring_links, names
from .core import StorageCore


class StorageLinks(StorageCore):
    """URLs of :class:`~.BackblazeB2Storage` files."""

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
        file_name = self.b2_file_name(name)
        prefix = expiring_links.scope_prefix(file_name, self.options.location, scope or self.options.url_expiry_scope)
        token = expiring_links.authorizations_for(self._connection).token(self.bucket, prefix, seconds)
        return f"{self.b2_url(name)}?Authorization={quote(token, safe='')}"

    def b2_url(self, name: str) -> str:
        """``{download_url}/file/{bucket}/{name}``, percent-encoded; no B2 call once authorized."""
        file_name = self.b2_file_name(name)
        base = self._connection.download_url().rstrip("/")
        return f"{base}/file/{quote(self.options.bucket)}/{quote(file_name, safe='/')}"

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
        file_name = quote(self.b2_file_name(name), safe="/")
        if cdn["include_bucket_url_segments"]:
            return f"{base}/file/{quote(self.options.bucket)}/{file_name}"
        return f"{base}/{file_name}"

    def download_authorization(self, name: str, seconds: int) -> str:
        """A download token for ``name``'s exact B2 file name, reused until close to expiry (one class C
        call at most); for a web server that downloads on the caller's behalf (offload mode)."""
        return expiring_links.authorizations_for(self._connection).token(self.bucket, self.b2_file_name(name), seconds)
