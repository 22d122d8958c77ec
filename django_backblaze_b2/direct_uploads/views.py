"""The JSON views the widget's script calls, in the order it calls them.

``begin`` (start a large file, or say "send it through Django"), ``part-url`` (a token for parts of
that one file), ``parts`` (which parts B2 holds, to resume), ``complete`` (check and finish) and
``cancel``. All are POST with Django's CSRF protection; every answer is JSON. Each re-reads the signed
grant, which only works for the user or session it was issued to, and asks the permission hook again.
"""

from __future__ import annotations

import json
import logging
import posixpath
import re
from collections.abc import Callable
from typing import Any

from b2sdk.v2.exception import B2ConnectionError, B2Error, B2RequestTimeout, ServiceError, TooManyRequests
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ..http.headers import normalize_upload_content_type
from . import incoming
from .grants import BadGrantError, Grant, Limits, owner_of, read_grant, read_ticket, sign_grant
from .permission import permitted
from .plan import DEFAULT_PART_SIZE, plan

logger = logging.getLogger("django_backblaze_b2")

MAX_BODY = 1024 * 1024  # 10,000 SHA-1s fit with room to spare
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
_UNAVAILABLE = (B2ConnectionError, B2RequestTimeout, ServiceError, TooManyRequests, OSError)

View = Callable[[HttpRequest], JsonResponse]


class RefusalError(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.extra = extra


def _answer(status: int, **body: Any) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _json_view(handler: Callable[[HttpRequest, dict[str, Any]], dict[str, Any]]) -> View:
    @never_cache
    @require_POST
    def view(request: HttpRequest) -> JsonResponse:
        try:
            if len(request.body) > MAX_BODY:
                raise RefusalError(413, "Request too large.")
            try:
                body = json.loads(request.body or b"{}")
            except ValueError:
                raise RefusalError(400, "The request body must be JSON.") from None
            if not isinstance(body, dict):
                raise RefusalError(400, "The request body must be a JSON object.")
            return _answer(200, **handler(request, body))
        except RefusalError as refused:
            return _answer(refused.status, error=str(refused), **refused.extra)
        except BadGrantError:
            return _answer(403, error="This upload is not yours, has expired, or was changed: start again.")
        except _UNAVAILABLE as error:
            logger.warning("django-backblaze-b2: direct upload: B2 unavailable (%s)", type(error).__name__)
            return _answer(503, error="The file store is unavailable; try again shortly.")
        except B2Error as error:
            # B2 refused the call: the large file was cancelled, finished already, or expired.
            logger.info("django-backblaze-b2: direct upload: B2 refused (%s)", type(error).__name__)
            return _answer(409, error="This upload is no longer open: start again.")

    view.__name__ = handler.__name__
    view.__doc__ = handler.__doc__
    return view


def _target(request: HttpRequest, limits: Limits, bucket: str | None = None) -> incoming.Target:
    try:
        target = incoming.target(limits.field)
    except ImproperlyConfigured as error:
        logger.error("django-backblaze-b2: direct upload: %s", error)
        raise RefusalError(400, "This field does not take direct uploads.") from None
    if bucket is not None and target.storage.options.bucket != bucket:
        raise RefusalError(409, "This upload is no longer open: start again.")
    if not permitted(request, limits.permission, target.storage, target.field_name):
        raise RefusalError(403, "You may not upload files here.")
    return target


def _grant(request: HttpRequest, body: dict[str, Any]) -> tuple[Grant, incoming.Target]:
    grant = read_grant(body.get("upload"), request)
    return grant, _target(request, grant.limits, grant.bucket)


def _begin(request: HttpRequest, body: dict[str, Any]) -> dict[str, Any]:
    """Start a large file for the file the browser describes, or answer ``{"direct": false}``."""
    limits = read_ticket(body.get("ticket"))
    target = _target(request, limits)
    size, name = body.get("size"), body.get("name")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise RefusalError(400, "'size' must be the file's size in bytes.")
    if not isinstance(name, str) or not name.strip():
        raise RefusalError(400, "'name' must be the file's name.")
    if limits.max_size is not None and size > limits.max_size:
        raise RefusalError(413, f"The file is larger than the {limits.max_size} bytes allowed.")
    name = posixpath.basename(name.replace("\\", "/"))[-255:]
    if name in ("", ".", ".."):
        name = "upload"  # Django would refuse it when the form is saved
    declared = body.get("type")
    content_type = normalize_upload_content_type(declared if isinstance(declared, str) else None, name)
    if not limits.allows_type(content_type):
        raise RefusalError(415, "Files of this type are not allowed here.")
    if not incoming.reachable_by_browsers(target.storage):
        return {"direct": False}
    parts = plan(
        size,
        minimum_part_size=incoming.minimum_part_size(target.storage),
        part_size=limits.part_size or DEFAULT_PART_SIZE,
    )
    if parts is None:
        return {"direct": False}  # too small for a large file: the form sends it through Django
    owner = owner_of(request, create_session=True)
    if owner is None:
        raise RefusalError(403, "Direct uploads need a logged-in user or a session.")
    file_id, file_name = incoming.start(target.storage, content_type)
    grant = Grant(
        limits=limits,
        owner=owner,
        file_id=file_id,
        file_name=file_name,
        bucket=target.storage.options.bucket,
        size=size,
        part_size=parts.part_size,
        content_type=content_type,
        name=name,
    )
    return {"direct": True, "upload": sign_grant(grant), "partSize": parts.part_size, "partCount": parts.count}


def _part_url(request: HttpRequest, body: dict[str, Any]) -> dict[str, Any]:
    """An upload URL and token that can add parts to this upload's large file, and nothing else."""
    grant, target = _grant(request, body)
    return incoming.part_url(target.storage, grant.file_id)


def _parts(request: HttpRequest, body: dict[str, Any]) -> dict[str, Any]:
    """The parts B2 already holds (``b2_list_parts``), so a resumed upload sends only the others."""
    grant, target = _grant(request, body)
    return {"parts": incoming.parts(target.storage, grant.file_id), "partSize": grant.part_size}


def _complete(request: HttpRequest, body: dict[str, Any]) -> dict[str, Any]:
    """Check every part against the grant and the browser's SHA-1s, then finish the large file."""
    grant, target = _grant(request, body)
    sha1s = body.get("partSha1Array")
    if not isinstance(sha1s, list) or not all(isinstance(s, str) and _SHA1.match(s) for s in sha1s):
        raise RefusalError(400, "'partSha1Array' must list each part's SHA-1 in hex.")
    try:
        incoming.finish(target.storage, grant, sha1s)
    except incoming.MismatchError as mismatch:
        raise RefusalError(409, f"The upload is incomplete: {mismatch}.", resumable=True) from None
    return {"finished": sign_grant(grant, finished=True), "name": grant.name, "size": grant.size}


def _cancel(request: HttpRequest, body: dict[str, Any]) -> dict[str, Any]:
    """Cancel the large file; B2 deletes its parts."""
    grant, target = _grant(request, body)
    incoming.cancel(target.storage, grant.file_id)
    return {"cancelled": True}


begin = _json_view(_begin)
part_url = _json_view(_part_url)
parts = _json_view(_parts)
complete = _json_view(_complete)
cancel = _json_view(_cancel)
