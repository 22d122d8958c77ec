"""Response headers that describe the file: its type, how a browser should show it, its name.

Active-content policy
---------------------
Files served by the proxy views come from the site's own origin, so an uploaded HTML, SVG or XML file
rendered inline could run script with the site's cookies (stored XSS). Every response carries
``X-Content-Type-Options: nosniff``. Only types a browser shows passively are served ``inline``
(:data:`PASSIVE_INLINE_TYPES`: raster images, audio, video, plain text, CSV, JSON, PDF). Every other
type (HTML, SVG, XML, JavaScript, ``multipart/*``, and anything unknown) is forced to
``attachment`` *and* gets ``Content-Security-Policy: sandbox; default-src 'none'``, so it cannot run
even if a browser or an intermediary ignores the disposition. The sandbox is not sent with passive
types because Chrome refuses to show PDFs in a sandboxed document.
"""

from __future__ import annotations

import mimetypes
import posixpath
import unicodedata
from urllib.parse import quote

SANDBOX_CSP = "sandbox; default-src 'none'"
NOSNIFF = "nosniff"

# Content types a browser displays without running anything; everything else is an attachment.
PASSIVE_INLINE_TYPES = frozenset(
    {
        "application/json",
        "application/pdf",
        "text/csv",
        "text/plain",
    }
)
PASSIVE_INLINE_PREFIXES = ("image/", "audio/", "video/")
# Image types that are documents (they can hold script), despite the "image/" prefix.
_ACTIVE_IMAGE_TYPES = frozenset({"image/svg+xml"})

DEFAULT_CONTENT_TYPE = "application/octet-stream"
# What b2sdk and B2 store when the uploader asked B2 to guess the type.
_UNSET_CONTENT_TYPES = frozenset({"", "b2/x-auto"})


def media_type(content_type: str) -> str:
    """``"text/html"`` for ``"Text/HTML; charset=utf-8"``."""
    return content_type.split(";", 1)[0].strip().lower()


def normalize_content_type(content_type: str | None, name: str) -> str:
    """The Content-Type to send: what B2 stored, else a guess from the name, else octet-stream.

    Control characters (which would break the header) make the stored value unusable.
    """
    stored = (content_type or "").strip()
    has_control = any(unicodedata.category(char) == "Cc" for char in stored)
    if stored and not has_control and "/" in stored and media_type(stored) not in _UNSET_CONTENT_TYPES:
        return stored
    guessed, _encoding = mimetypes.guess_type(posixpath.basename(name), strict=False)
    return guessed or DEFAULT_CONTENT_TYPE


def is_passive(content_type: str) -> bool:
    """Whether a browser showing this type inline cannot run anything from it."""
    kind = media_type(content_type)
    if kind in _ACTIVE_IMAGE_TYPES or kind.endswith("+xml"):
        return False
    return kind in PASSIVE_INLINE_TYPES or kind.startswith(PASSIVE_INLINE_PREFIXES)


def _ascii_fallback(filename: str) -> str:
    """A quoted-string-safe ASCII approximation of ``filename`` for the plain ``filename=`` parameter."""
    decomposed = unicodedata.normalize("NFKD", filename)
    chars = []
    for char in decomposed:
        if unicodedata.combining(char):
            continue  # "é" -> "e"
        if char in '"\\' or not (0x20 <= ord(char) < 0x7F):
            chars.append("_")
        else:
            chars.append(char)
    fallback = "".join(chars).strip()
    return fallback or "download"


def content_disposition(filename: str, *, as_attachment: bool) -> str:
    """``inline``/``attachment`` with an ASCII ``filename="..."`` and, when needed, ``filename*``.

    ``filename*=UTF-8''...`` (RFC 6266 / RFC 8187) carries the exact name, percent-encoded, so quotes,
    backslashes, semicolons, control characters and non-ASCII letters cannot break the header.
    """
    disposition = "attachment" if as_attachment else "inline"
    base = posixpath.basename(filename)
    # Control characters never belong in a download name; drop them before anything else.
    base = "".join(char for char in base if unicodedata.category(char) != "Cc")
    if not base:
        return disposition
    fallback = _ascii_fallback(base)
    header = f'{disposition}; filename="{fallback}"'
    if fallback != base:
        header += f"; filename*=UTF-8''{quote(base, safe='')}"
    return header
