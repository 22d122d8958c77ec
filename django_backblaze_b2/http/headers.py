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
import re
import unicodedata
from urllib.parse import quote

SANDBOX_CSP = "sandbox; default-src 'none'"
NOSNIFF = "nosniff"

# The only types served inline: a browser shows them without running anything from them. An
# allowlist of exact types, not prefixes: "image/svg+xml" is a document that runs script.
PASSIVE_INLINE_TYPES = frozenset(
    {
        "application/json",
        "application/pdf",
        "text/csv",
        "text/plain",
        "image/apng",
        "image/avif",
        "image/bmp",
        "image/gif",
        "image/jpeg",
        "image/png",
        "image/tiff",
        "image/vnd.microsoft.icon",
        "image/webp",
        "image/x-icon",
        "audio/aac",
        "audio/flac",
        "audio/mp4",
        "audio/mpeg",
        "audio/ogg",
        "audio/wav",
        "audio/webm",
        "audio/x-wav",
        "video/mp4",
        "video/ogg",
        "video/quicktime",
        "video/webm",
    }
)

DEFAULT_CONTENT_TYPE = "application/octet-stream"
# What b2sdk and B2 store when the uploader asked B2 to guess the type.
_UNSET_CONTENT_TYPES = frozenset({"", "b2/x-auto"})

# RFC 9110 §5.6.2 token and §8.3.1 media-type, anchored: one type/subtype, then ";"-separated
# parameters. A comma, a second type, a stray quote or a control character makes the whole value
# unparseable, because browsers disagree on how to read such values (Chrome takes the last type
# of "image/png, text/html").
_TCHARS = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_QUOTED = r'"[\x20\x21\x23-\x5b\x5d-\x7e\t]*"'  # qdtext only: no quoted-pair, to stay strict
_PARAMETER = rf"[ \t]*;[ \t]*({_TCHARS})=({_TCHARS}|{_QUOTED})"
_MEDIA_TYPE = re.compile(rf"({_TCHARS})/({_TCHARS})((?:{_PARAMETER})*)[ \t]*;?")
_PARAMETERS = re.compile(_PARAMETER)


def parse_content_type(value: object) -> str | None:
    """The canonical form of a strictly valid Content-Type, or None when it does not parse.

    ``"Text/Plain; Charset=UTF-8"`` gives ``"text/plain; charset=utf-8"``; parameters other than a
    ``text/*`` type's ``charset`` are dropped; ``"image/png, text/html"`` gives None.
    """
    if not isinstance(value, str) or not value or "," in value:
        return None  # a comma even inside a quoted parameter: browsers disagree on splitting at commas
    match = _MEDIA_TYPE.fullmatch(value.strip(" \t"))
    if match is None:
        return None
    kind, subtype, parameters = match[1].lower(), match[2].lower(), match[3]
    canonical = f"{kind}/{subtype}"
    if kind == "text":
        for name, raw in _PARAMETERS.findall(parameters):
            charset = raw.strip('"').lower()
            if name.lower() == "charset" and re.fullmatch(_TCHARS, charset):
                return f"{canonical}; charset={charset}"
    return canonical


def media_type(content_type: str) -> str:
    """``"text/html"`` for ``"Text/HTML; charset=utf-8"``; ``""`` for a value that does not parse."""
    parsed = parse_content_type(content_type)
    return parsed.split(";", 1)[0] if parsed else ""


def guess_content_type(name: str) -> str | None:
    """The type the file name suggests (its extension), if any."""
    guessed, _encoding = mimetypes.guess_type(posixpath.basename(name), strict=False)
    return parse_content_type(guessed)


def normalize_content_type(content_type: str | None, name: str) -> str:
    """The Content-Type to send for a stored file: always one the library produced.

    The stored type in canonical form when it parses strictly; a guess from the name when none was
    stored (B2's ``b2/x-auto``); else ``application/octet-stream``, which is never shown inline.
    """
    stored = (content_type or "").strip(" \t")
    if stored.lower() in _UNSET_CONTENT_TYPES:
        return guess_content_type(name) or DEFAULT_CONTENT_TYPE
    return parse_content_type(stored) or DEFAULT_CONTENT_TYPE


def normalize_upload_content_type(content_type: object, name: str) -> str | None:
    """The type to store with an upload: the given one when it parses strictly, else a guess from
    the name, else None (B2 stores ``b2/x-auto`` and the views guess again when serving)."""
    return parse_content_type(content_type) or guess_content_type(name)


def is_passive(content_type: str) -> bool:
    """Whether a browser showing this type inline cannot run anything from it (:data:`PASSIVE_INLINE_TYPES`)."""
    return media_type(content_type) in PASSIVE_INLINE_TYPES


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
