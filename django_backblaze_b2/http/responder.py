"""Turn a request's method and headers plus a file's metadata into a response decision.

No Django views, no B2: :func:`decide` is a pure function returning a :class:`Decision` (status,
headers, and the byte range to stream, if any). The views adapt it to Django; tests exercise it
directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.http import http_date

from .conditional import evaluate_preconditions, if_range_allows
from .headers import NOSNIFF, SANDBOX_CSP, content_disposition, is_passive, normalize_content_type
from .ranges import ByteRange, Unsatisfiable, select_range

ALLOWED_METHODS = ("GET", "HEAD")
ALLOW_HEADER = ", ".join(ALLOWED_METHODS)

# RFC 9110 §15.4.5: the header fields a 304 keeps (Last-Modified too, as a cache-update aid).
NOT_MODIFIED_HEADERS = frozenset(
    {"cache-control", "content-location", "date", "etag", "expires", "last-modified", "vary"}
)

# Cache-Control for files behind a permission check: the browser may keep them but must revalidate,
# so a user who lost access stops seeing them; shared caches never store them.
PRIVATE_CACHE_CONTROL = "private, no-cache"
DEFAULT_PUBLIC_CACHE_CONTROL = "public, max-age=3600"


@dataclass(frozen=True)
class Representation:
    """A stored file as HTTP sees it (RFC 9110's selected representation): what the headers and the
    conditional and range decisions need, in HTTP's terms. The storage's record of a file is
    :class:`~django_backblaze_b2.metadata.FileMetadata`; ``proxy/views.py`` derives this from it, so that
    this package stays free of B2.
    """

    name: str
    size: int
    content_type: str | None = None
    etag: str | None = None  # quoted strong entity-tag, see conditional.make_etag
    last_modified: datetime | None = None
    cache_control: str | None = None  # the file's own stored Cache-Control, if any
    content_encoding: str | None = None
    content_language: str | None = None


@dataclass(frozen=True)
class Decision:
    """The response to send.

    ``body_range`` is the part of the file to stream (None: no file bytes, e.g. HEAD, 304, an empty
    file). ``body`` is a short canned body for error statuses.
    """

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body_range: ByteRange | None = None
    body: bytes = b""

    @property
    def content_length(self) -> int:
        return int(self.headers.get("Content-Length", "0"))


def method_not_allowed() -> Decision:
    return Decision(
        405,
        {
            "Allow": ALLOW_HEADER,
            "Content-Type": "text/plain; charset=utf-8",
            "Content-Length": "19",
            "X-Content-Type-Options": NOSNIFF,
        },
        body=b"Method not allowed\n",
    )


def _plain(status: int, text: str, extra: Mapping[str, str] | None = None) -> Decision:
    body = text.encode()
    headers = {
        "Content-Type": "text/plain; charset=utf-8",
        "Content-Length": str(len(body)),
        "X-Content-Type-Options": NOSNIFF,
        **(extra or {}),
    }
    return Decision(status, headers, body=body)


def representation_headers(meta: Representation, *, as_attachment: bool, cache_control: str) -> dict[str, str]:
    """The headers a 200 for this file carries, except Content-Length."""
    content_type = normalize_content_type(meta.content_type, meta.name)
    passive = is_passive(content_type)
    headers = {
        "Content-Type": content_type,
        "Accept-Ranges": "bytes",
        "Content-Disposition": content_disposition(meta.name, as_attachment=as_attachment or not passive),
        "X-Content-Type-Options": NOSNIFF,
        "Cache-Control": cache_control,
    }
    if not passive:
        headers["Content-Security-Policy"] = SANDBOX_CSP
    if meta.etag:
        headers["ETag"] = meta.etag
    if meta.last_modified is not None:
        headers["Last-Modified"] = http_date(meta.last_modified.timestamp())
    if meta.content_encoding:
        headers["Content-Encoding"] = meta.content_encoding
    if meta.content_language:
        headers["Content-Language"] = meta.content_language
    return headers


def decide(
    method: str,
    request_headers: Mapping[str, str],
    meta: Representation,
    *,
    as_attachment: bool = False,
    cache_control: str | None = None,
) -> Decision:
    """The response to a GET or HEAD of an existing file.

    ``request_headers`` may use any letter case (Django's ``request.headers`` works as is).
    ``cache_control`` defaults to the file's stored Cache-Control, else
    :data:`DEFAULT_PUBLIC_CACHE_CONTROL`; pass :data:`PRIVATE_CACHE_CONTROL` for protected files.
    """
    method = method.upper()
    if method not in ALLOWED_METHODS:
        return method_not_allowed()
    headers_in = {str(key).lower(): str(value) for key, value in request_headers.items()}
    cache_control = cache_control or meta.cache_control or DEFAULT_PUBLIC_CACHE_CONTROL
    headers = representation_headers(meta, as_attachment=as_attachment, cache_control=cache_control)

    outcome = evaluate_preconditions(method, headers_in, meta.etag, meta.last_modified)
    if outcome == 304:
        return Decision(304, {k: v for k, v in headers.items() if k.lower() in NOT_MODIFIED_HEADERS})
    if outcome == 412:
        return _plain(412, "Precondition failed\n")

    chosen: ByteRange | Unsatisfiable | None = None
    # RFC 9110 §14.2: Range is defined for GET only; If-Range decides whether it still applies.
    if (
        method == "GET"
        and "range" in headers_in
        and if_range_allows(headers_in.get("if-range"), meta.etag, meta.last_modified)
    ):
        chosen = select_range(headers_in["range"], meta.size)

    if isinstance(chosen, Unsatisfiable):
        return _plain(
            416,
            "Range not satisfiable\n",
            {"Content-Range": f"bytes */{meta.size}", "Accept-Ranges": "bytes"},
        )
    if chosen is not None:
        headers["Content-Range"] = chosen.content_range(meta.size)
        headers["Content-Length"] = str(chosen.length)
        return Decision(206, headers, body_range=chosen if method == "GET" else None)
    headers["Content-Length"] = str(meta.size)
    body_range = ByteRange(0, meta.size) if method == "GET" and meta.size > 0 else None
    return Decision(200, headers, body_range=body_range)
