"""System checks for direct uploads (registered in :mod:`..checks`; they report only when the
direct-upload views are in the URLconf).

Offline (``manage.py check``):

- ``django_backblaze_b2.E080``: a ``DirectUploadField`` names a model field that cannot take direct
  uploads (no such field, not a B2 storage, or a storage encrypting with a customer key).
- ``django_backblaze_b2.W081``: ``non_existent_bucket_details`` would create the bucket without a CORS
  rule letting the site's pages upload parts.

With ``--deploy`` (one ``b2_list_buckets`` per bucket):

- ``django_backblaze_b2.E082``: the bucket has no CORS rule letting browsers upload parts
  (``b2_upload_part``) from the site's origins (``CSRF_TRUSTED_ORIGINS``), so every direct upload fails.
- ``django_backblaze_b2.W083``: no lifecycle rule cancels abandoned uploads in the incoming folder.
- ``django_backblaze_b2.E084``: B2 could not be asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from b2sdk.v2.exception import B2Error
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, reverse

from ..client import client_for
from . import incoming
from .bucket_rules import allows_uploads, cancels_abandoned, incoming_prefix
from .fields import URL_NAMESPACE, declared_fields

_CORS_HINT = (
    "Add django_backblaze_b2.direct_uploads.cors_rule([<your site's origins>]) to the bucket's CORS rules "
    "(Backblaze console: Bucket Settings > CORS Rules, custom rules; or b2 bucket update --cors-rules) and "
    "to BACKBLAZE_CONFIG['non_existent_bucket_details']['cors_rules']."
)


def _targets() -> tuple[list[incoming.Target], list[CheckMessage]]:
    try:
        reverse(f"{URL_NAMESPACE}:begin")  # also imports the URLconf, and with it the forms
    except (NoReverseMatch, AttributeError, ImportError, ImproperlyConfigured):
        return [], []  # no direct-upload views, or no URLconf (other checks report a broken one)
    targets: list[incoming.Target] = []
    messages: list[CheckMessage] = []
    for label in sorted(declared_fields):
        try:
            targets.append(incoming.target(label))
        except ImproperlyConfigured as error:
            messages.append(
                Error(
                    str(error),
                    hint="Point DirectUploadField(model_field=...) at a FileField whose storage is a B2 storage.",
                    id="django_backblaze_b2.E080",
                )
            )
    return targets, messages


def _origins() -> list[str]:
    return [str(origin).rstrip("/") for origin in getattr(settings, "CSRF_TRUSTED_ORIGINS", [])]


def _refused_origins(rules: Iterable[Mapping[str, Any]]) -> list[str]:
    """The site's origins (``CSRF_TRUSTED_ORIGINS``) that no rule lets upload parts; without that
    setting, ``["any origin"]`` when no rule lets anyone."""
    rules = list(rules)
    origins = _origins()
    if not origins:
        return [] if allows_uploads(rules, None) else ["any origin"]
    return [origin for origin in origins if not allows_uploads(rules, origin)]


def check_direct_upload_fields(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    targets, messages = _targets()
    seen: set[tuple[str, str]] = set()
    for target in targets:
        options = target.storage.options
        details = options.non_existent_bucket_details
        if details is None or (options.bucket, options.location) in seen:
            continue
        seen.add((options.bucket, options.location))
        if _refused_origins(details.get("cors_rules") or []):
            messages.append(
                Warning(
                    f"{target.label}: a bucket {options.bucket!r} created from non_existent_bucket_details would "
                    "have no CORS rule letting the site's pages upload parts, so direct uploads would fail.",
                    hint=_CORS_HINT,
                    id="django_backblaze_b2.W081",
                )
            )
    return messages


def check_direct_upload_buckets(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    targets, _messages = _targets()
    messages: list[CheckMessage] = []
    looked_up: dict[str, Any] = {}
    for target in targets:
        options = target.storage.options
        if options.bucket not in looked_up:
            try:
                connection = client_for(options)
                connection.ensure_authorized()
                found = connection.api.list_buckets(bucket_name=options.bucket)
                looked_up[options.bucket] = found[0] if found else None
            except (B2Error, ImproperlyConfigured, OSError) as error:
                looked_up[options.bucket] = None
                messages.append(
                    Error(
                        f"{target.label}: could not look up bucket {options.bucket!r} in B2 ({type(error).__name__}).",
                        hint="Check BACKBLAZE_CONFIG's application key (listBuckets) and the network.",
                        id="django_backblaze_b2.E084",
                    )
                )
                continue
        bucket = looked_up[options.bucket]
        if bucket is None:
            continue  # missing: E030 or W081 say what happens
        refused = _refused_origins(bucket.cors_rules or [])
        if refused:
            where = ", ".join(refused)
            messages.append(
                Error(
                    f"{target.label}: bucket {options.bucket!r} has no CORS rule letting pages of {where} upload "
                    "parts (b2_upload_part with the Authorization, X-Bz-Part-Number and X-Bz-Content-Sha1 "
                    "headers): browsers will refuse every direct upload.",
                    hint=_CORS_HINT,
                    id="django_backblaze_b2.E082",
                )
            )
        if not cancels_abandoned(bucket.lifecycle_rules or [], options.location):
            messages.append(
                Warning(
                    f"{target.label}: no lifecycle rule of bucket {options.bucket!r} cancels abandoned direct "
                    f"uploads under {incoming_prefix(options.location)!r}: their parts are billed until cancelled.",
                    hint="Add django_backblaze_b2.direct_uploads.lifecycle_rule(location) to the bucket's lifecycle "
                    "rules, or run manage.py b2_cancel_direct_uploads daily.",
                    id="django_backblaze_b2.W083",
                )
            )
    return _unique(messages)


def _unique(messages: list[CheckMessage]) -> list[CheckMessage]:
    seen: list[CheckMessage] = []
    for message in messages:
        if message not in seen:
            seen.append(message)
    return seen
