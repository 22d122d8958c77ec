"""The HTTP headers B2 serves a file with, chosen when it is uploaded.

B2 stores ``Cache-Control``, ``Content-Disposition``, ``Content-Encoding``, ``Content-Language`` and
``Expires`` with a file (as ``b2-*`` file info) and sends them back on every download; the content type
is stored as such. They come from, later ones winning:

1. ``default_upload_headers``: storage-wide, e.g. ``{"Cache-Control": "max-age=86400"}``;
2. ``upload_headers_function``: a function (or its dotted path) ``f(name, content) -> {header: value}``,
   for per-file choices such as attachments for exports; it may also set ``Content-Type``;
3. ``BackblazeB2Storage.get_upload_options(name, content)``, the overridable hook, which gets the
   result as b2sdk keyword arguments and may change anything.

The content type is the function's ``Content-Type`` if any, else the content's ``content_type``
attribute (an ``UploadedFile``'s, as the browser sent it), else a guess from the name, else B2's own
detection (``b2/x-auto``). Whatever chose it, only a strictly parsed, canonical type is stored
(:func:`safe_arguments`): a browser-sent ``image/png, text/html`` never reaches B2, so B2 cannot
serve it on direct or expiring links either. A type a browser would run (HTML, SVG, ...) is stored
with ``Content-Disposition: attachment``, so B2's own download host does not render it either.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .access import MARK_KEY, MAX_FILE_INFO, PRIVATE, mark_info, marked_route, stricter
from .http.headers import is_passive, normalize_upload_content_type

# HTTP header (lower case) -> b2sdk upload keyword argument.
HEADER_ARGUMENTS = {
    "cache-control": "cache_control",
    "content-disposition": "content_disposition",
    "content-encoding": "content_encoding",
    "content-language": "content_language",
    "expires": "expires",
}
CONTENT_TYPE = "content-type"

HeadersFunction = Callable[[str, Any], Mapping[str, Any]]


def validated_headers(headers: Any, where: str, *, allow_content_type: bool = False) -> dict[str, Any]:
    """``{header: value}`` with known header names (any case) -> ``{b2sdk argument: value}``."""
    if not isinstance(headers, Mapping):
        raise ImproperlyConfigured(
            f"{where} must be a dict of HTTP headers, such as {{'Cache-Control': 'max-age=60'}}."
        )
    known = sorted([*HEADER_ARGUMENTS, *([CONTENT_TYPE] if allow_content_type else [])])
    arguments: dict[str, Any] = {}
    for header, value in headers.items():
        lowered = str(header).lower()
        if lowered == CONTENT_TYPE and allow_content_type:
            argument = "content_type"
        elif lowered in HEADER_ARGUMENTS:
            argument = HEADER_ARGUMENTS[lowered]
        else:
            raise ImproperlyConfigured(
                f"{where} has header {header!r}, which B2 cannot store with a file. Use one of: "
                f"{', '.join(h.title() for h in known)}; put other values in 'default_file_info'."
            )
        if value is not None and not isinstance(value, str):
            raise ImproperlyConfigured(
                f"{where}: the value of {header!r} must be a string, not {type(value).__name__}."
            )
        if value:
            arguments[argument] = value
    return arguments


def validated_function(value: Any) -> str | HeadersFunction | None:
    """A callable, or a dotted path imported at first upload (the module may import the storage)."""
    if value is None or callable(value):
        return value  # type: ignore[no-any-return]
    if isinstance(value, str) and "." in value:
        return value
    raise ImproperlyConfigured(
        "django-backblaze-b2 option 'upload_headers_function' must be a function f(name, content) -> "
        "{header: value}, or its dotted path such as 'myapp.storage.upload_headers'."
    )


def load_function(value: str | HeadersFunction) -> HeadersFunction:
    if callable(value):
        return value
    try:
        function = import_string(value)
    except ImportError as error:
        raise ImproperlyConfigured(
            f"django-backblaze-b2 option 'upload_headers_function' is {value!r}, which cannot be imported: {error}"
        ) from error
    if not callable(function):
        raise ImproperlyConfigured(f"django-backblaze-b2 option 'upload_headers_function': {value!r} is not callable.")
    return function  # type: ignore[no-any-return]


def upload_arguments(
    name: str,
    content: Any,
    *,
    default_headers: Mapping[str, Any],
    function: str | HeadersFunction | None,
    file_info: Mapping[str, str],
) -> dict[str, Any]:
    """b2sdk keyword arguments for uploading ``content`` as ``name``: content type, headers, file info."""
    arguments: dict[str, Any] = dict(default_headers)
    if function is not None:
        returned = load_function(function)(name, content)
        arguments.update(
            validated_headers(returned or {}, "the result of 'upload_headers_function'", allow_content_type=True)
        )
    if not arguments.get("content_type"):
        arguments["content_type"] = getattr(content, "content_type", None)
    arguments["file_info"] = dict(file_info) or None
    return arguments


def safe_arguments(arguments: Mapping[str, Any], name: str, route: str | None) -> dict[str, Any]:
    """``arguments`` as they may reach B2: a canonical content type (or None: B2 guesses), the
    access mark of ``route`` (which nothing can remove or make less strict), attachment for active types.

    Applied after every hook, right before the upload, so no override can undo it; idempotent.
    """
    safe = dict(arguments)
    content_type = normalize_upload_content_type(safe.get("content_type"), name)
    safe["content_type"] = content_type
    given = dict(safe.get("file_info") or {})
    marks = [value for key, value in given.items() if key.lower() == MARK_KEY]
    file_info = {key: value for key, value in given.items() if key.lower() != MARK_KEY}
    given_mark = marked_route({MARK_KEY: marks[-1]}) if marks else None
    # A proxied storage's files carry its route, or the stricter mark they came with (a copy of a staff
    # file stays staff). A plain storage's files are private unless they came with a mark (b2_copy_media
    # moving a shared bucket keeps each file's): its options and hooks are the project's, not a user's.
    mark: str | None = stricter(given_mark, route) if route is not None else given_mark or PRIVATE
    entries = len(file_info) + sum(1 for argument in HEADER_ARGUMENTS.values() if safe.get(argument))
    if entries >= MAX_FILE_INFO:
        if route is not None:
            raise ImproperlyConfigured(
                f"B2 keeps at most {MAX_FILE_INFO} file info entries per file (stored headers included), and this "
                f"upload of {name!r} has {entries} besides the access mark its route needs: drop one from "
                "'default_file_info', 'default_upload_headers' or get_upload_options()."
            )
        mark = given_mark  # a plain storage's mark gives way: the file is then unmarked (see access.py)
    file_info.update(mark_info(mark))
    safe["file_info"] = file_info or None
    if content_type is not None and not is_passive(content_type):
        disposition = str(safe.get("content_disposition") or "")
        if not disposition.lower().startswith("attachment"):
            parameters = disposition.partition(";")[2] if disposition.lower().startswith("inline") else ""
            safe["content_disposition"] = f"attachment;{parameters}" if parameters else "attachment"
    return safe
