"""Validators and conditional requests (RFC 9110 §8.8 and §13).

Pure functions. :func:`evaluate_preconditions` applies If-Match, If-Unmodified-Since, If-None-Match
and If-Modified-Since in the order of RFC 9110 §13.2.2; :func:`if_range_allows` decides whether a
Range header applies (§13.1.5), which nothing in Django does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from django.utils.http import parse_etags, parse_http_date_safe

_SHA1 = re.compile(r"[0-9a-fA-F]{40}")
# Characters kept from a file id in an entity-tag (B2 ids are letters, digits and '_').
_ETAG_UNSAFE = re.compile(r"[^A-Za-z0-9_.:-]")


def make_etag(content_sha1: str | None, file_id: str | None = None) -> str | None:
    """A strong, quoted ETag for a B2 file version.

    The content's SHA-1 when B2 knows it (files uploaded in one piece); otherwise the file id, which
    changes with every upload (large files, whose SHA-1 is ``"none"``). ``unverified:`` prefixes are
    dropped. None when neither is usable.
    """
    sha1 = (content_sha1 or "").removeprefix("unverified:")
    if _SHA1.fullmatch(sha1):
        return f'"{sha1.lower()}"'
    if file_id:
        cleaned = _ETAG_UNSAFE.sub("", file_id)
        if cleaned:
            return f'"id-{cleaned}"'
    return None


def _is_weak(tag: str) -> bool:
    return tag.startswith("W/")


def strong_match(tags: list[str], etag: str | None) -> bool:
    """RFC 9110 §8.8.3.2 strong comparison against a list from If-Match / If-Range (``*``: any file)."""
    if "*" in tags:
        return True
    if etag is None or _is_weak(etag):
        return False
    return any(not _is_weak(tag) and tag == etag for tag in tags)


def weak_match(tags: list[str], etag: str | None) -> bool:
    """RFC 9110 §8.8.3.2 weak comparison against a list from If-None-Match (``*``: any file)."""
    if "*" in tags:
        return True
    if etag is None:
        return False
    opaque = etag.removeprefix("W/")
    return any(tag.removeprefix("W/") == opaque for tag in tags)


def _seconds(moment: datetime | None) -> int | None:
    """Whole seconds since the epoch: HTTP dates have no finer precision."""
    return None if moment is None else int(moment.timestamp())


def evaluate_preconditions(
    method: str, headers: Mapping[str, str], etag: str | None, last_modified: datetime | None
) -> int | None:
    """412 or 304 when a precondition says so, else None (carry on). ``headers`` keys are lower case.

    The file exists (this is only called for a found file), so ``If-Match: *`` passes and
    ``If-None-Match: *`` fails.
    """
    modified = _seconds(last_modified)
    if_match = headers.get("if-match")
    if if_match is not None:
        if not strong_match(parse_etags(if_match), etag):
            return 412
    else:
        since = parse_http_date_safe(headers.get("if-unmodified-since", ""))
        if since is not None and modified is not None and modified > since:
            return 412

    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        if weak_match(parse_etags(if_none_match), etag):
            return 304 if method in ("GET", "HEAD") else 412
    elif method in ("GET", "HEAD"):
        since = parse_http_date_safe(headers.get("if-modified-since", ""))
        if since is not None and modified is not None and modified <= since:
            return 304
    return None


def if_range_allows(value: str | None, etag: str | None, last_modified: datetime | None) -> bool:
    """Whether a Range header may be honoured given the request's If-Range (RFC 9110 §13.1.5).

    An entity-tag must match strongly; a date must equal Last-Modified exactly. Anything else,
    including an unparsable value, means "send the whole file".
    """
    if value is None:
        return True
    value = value.strip()
    if value.startswith(('"', "W/")):
        tags = parse_etags(value)
        return len(tags) == 1 and strong_match(tags, etag)
    since = parse_http_date_safe(value)
    modified = _seconds(last_modified)
    return since is not None and modified is not None and since == modified
