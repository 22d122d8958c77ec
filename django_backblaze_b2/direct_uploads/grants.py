"""What the server hands the browser, signed, and reads back: tickets, upload grants, finished uploads.

All three are ``django.core.signing`` values, each with its own salt, so one can never be passed off
as another. None holds a secret: the owner is a keyed hash of the user id or session key.

- a *ticket* is rendered into the form: which model field, and its limits. Anyone can read it, and it
  lets them ask to start an upload, which the view grants only if the permission hook says so;
- a *grant* names one started large file (its B2 file id and incoming file name) and the user or session it
  was started for;
- a *finished* value says the server finished that large file after checking it, and is what the
  form posts back. The form field accepts it only from the same user or session and for the same field.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.core import signing
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

TICKET_SALT = "django_backblaze_b2.direct_uploads.ticket"
GRANT_SALT = "django_backblaze_b2.direct_uploads.grant"
FINISHED_SALT = "django_backblaze_b2.direct_uploads.finished"
OWNER_SALT = "django_backblaze_b2.direct_uploads.owner"
# A grant outlives a page reload and a night's pause; a large file unfinished after this is abandoned.
GRANT_MAX_AGE = 24 * 3600
TICKET_MAX_AGE = 24 * 3600


class BadGrantError(Exception):
    """A value that is not one of ours, was changed, expired, or belongs to someone else."""


@dataclass(frozen=True)
class Limits:
    """What a form field accepts: the model field it fills, a size limit, types, and who may upload."""

    field: str  # "app_label.Model.field"
    max_size: int | None = None
    content_types: tuple[str, ...] = ()  # "video/*", "application/pdf"; empty: any
    permission: str | None = None  # dotted path of (request, storage, field_name) -> bool
    part_size: int | None = None

    def allows_type(self, content_type: str | None) -> bool:
        """Whether files of ``content_type`` (canonical; None: unknown) may be uploaded."""
        if not self.content_types:
            return True
        if content_type is None:
            return False
        major = content_type.split("/", 1)[0]
        media = content_type.split(";", 1)[0].strip()
        return any(allowed in (media, f"{major}/*", "*/*") for allowed in self.content_types)


@dataclass(frozen=True)
class Grant:
    limits: Limits
    owner: str
    file_id: str
    file_name: str  # the incoming B2 file name
    bucket: str
    size: int
    part_size: int
    content_type: str | None  # canonical (parse_content_type); None: unknown, B2 guesses from the name
    name: str  # the name the browser gave, for the final name


def owner_of(request: HttpRequest, *, create_session: bool = False) -> str | None:
    """A keyed hash naming the user (or, for anonymous visitors, the session) behind a request."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        identity = f"user:{user.pk}"
    else:
        session = getattr(request, "session", None)
        if session is None:
            return None
        if session.session_key is None:
            if not create_session:
                return None
            session.save()
        identity = f"session:{session.session_key}"
    return salted_hmac(OWNER_SALT, identity, algorithm="sha256").hexdigest()[:32]


def sign_ticket(limits: Limits) -> str:
    return signing.dumps(_limits_dict(limits), salt=TICKET_SALT, compress=True)


def read_ticket(value: Any) -> Limits:
    return _limits(_loads(value, TICKET_SALT, TICKET_MAX_AGE))


def sign_grant(grant: Grant, *, finished: bool = False) -> str:
    data = asdict(grant)
    data["limits"] = _limits_dict(grant.limits)
    return signing.dumps(data, salt=FINISHED_SALT if finished else GRANT_SALT, compress=True)


def read_grant(value: Any, request: HttpRequest, *, finished: bool = False) -> Grant:
    """The grant in ``value``, if it is one of ours and belongs to whoever sent ``request``."""
    data = _loads(value, FINISHED_SALT if finished else GRANT_SALT, GRANT_MAX_AGE)
    try:
        grant = Grant(**{**data, "limits": _limits(data["limits"])})
    except (KeyError, TypeError) as error:
        raise BadGrantError("malformed") from error
    if grant.owner != owner_of(request):
        raise BadGrantError("someone else's upload")
    return grant


def _loads(value: Any, salt: str, max_age: int) -> dict[str, Any]:
    if not isinstance(value, str) or not value or len(value) > 8192:
        raise BadGrantError("missing")
    try:
        data = signing.loads(value, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise BadGrantError("expired") from None
    except signing.BadSignature:
        raise BadGrantError("bad signature") from None
    if not isinstance(data, dict):
        raise BadGrantError("malformed")
    return data


def _limits_dict(limits: Limits) -> dict[str, Any]:
    data = asdict(limits)
    data["content_types"] = list(limits.content_types)
    return data


def _limits(data: Any) -> Limits:
    if not isinstance(data, dict):
        raise BadGrantError("malformed")
    try:
        return Limits(**{**data, "content_types": tuple(data.get("content_types") or ())})
    except TypeError as error:
        raise BadGrantError("malformed") from error
