"""The bucket settings direct uploads need, as B2 spells them: a CORS rule and a lifecycle rule.

Importable from ``settings.py`` (nothing here needs Django's app registry)::

    from django_backblaze_b2.direct_uploads.bucket_rules import cors_rule, lifecycle_rule

    BACKBLAZE_CONFIG = {
        ...,
        "non_existent_bucket_details": {
            "bucket_type": "allPrivate",
            "cors_rules": [cors_rule(["https://www.example.com"])],
            "lifecycle_rules": [lifecycle_rule()],
        },
    }
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

INCOMING_FOLDER = "_b2_incoming"
# Parts of unfinished files are billed; a day is long enough to resume an upload after a pause.
CANCEL_AFTER_DAYS = 1
CORS_RULE_NAME = "django-b2-direct-uploads"
CORS_OPERATION = "b2_upload_part"
# What the widget's script sends with each part (Content-Length is set by the browser itself).
CORS_HEADERS = ("authorization", "content-type", "x-bz-part-number", "x-bz-content-sha1")


def cors_rule(origins: Iterable[str], *, max_age_seconds: int = 3600) -> dict[str, Any]:
    """A CORS rule that lets pages of ``origins`` (``"https://www.example.com"``) upload parts."""
    allowed = [str(origin).rstrip("/") for origin in origins]
    if not allowed or any("://" not in origin and origin != "*" for origin in allowed):
        raise ValueError("cors_rule() needs the site's origins, such as ['https://www.example.com'].")
    return {
        "corsRuleName": CORS_RULE_NAME,
        "allowedOrigins": allowed,
        "allowedOperations": [CORS_OPERATION],
        "allowedHeaders": list(CORS_HEADERS),
        "exposeHeaders": ["x-bz-content-sha1"],
        "maxAgeSeconds": max_age_seconds,
    }


def incoming_prefix(location: str = "") -> str:
    """The B2 file name prefix of a storage's pending direct uploads."""
    return f"{location.strip('/')}/{INCOMING_FOLDER}/".lstrip("/")


def lifecycle_rule(location: str = "") -> dict[str, Any]:
    """A lifecycle rule that cancels abandoned direct uploads and removes leftovers of the storage
    whose ``location`` is given (the unfinished large files B2 cancels itself; finished ones that no
    form saved are hidden, then deleted)."""
    return {
        "fileNamePrefix": incoming_prefix(location),
        "daysFromStartingToCancelingUnfinishedLargeFiles": CANCEL_AFTER_DAYS,
        "daysFromUploadingToHiding": CANCEL_AFTER_DAYS,
        "daysFromHidingToDeleting": 1,
    }


def allows_uploads(rules: Iterable[Mapping[str, Any]], origin: str | None) -> bool:
    """Whether some rule lets a page of ``origin`` (None: of some origin) upload parts with the widget's headers."""
    for rule in rules:
        if CORS_OPERATION not in (rule.get("allowedOperations") or ()):
            continue
        patterns = [str(pattern) for pattern in rule.get("allowedOrigins") or ()]
        if origin is not None and not any(_origin_matches(pattern, origin) for pattern in patterns):
            continue
        headers = [str(header).lower() for header in rule.get("allowedHeaders") or ()]
        if "*" in headers or all(header in headers for header in CORS_HEADERS if header != "content-type"):
            return True
    return False


def cancels_abandoned(rules: Iterable[Mapping[str, Any]], location: str = "") -> bool:
    """Whether a lifecycle rule cancels unfinished large files under the incoming folder."""
    prefix = incoming_prefix(location)
    for rule in rules:
        rule_prefix = str(rule.get("fileNamePrefix", rule.get("file_name_prefix", "")))
        days = rule.get("daysFromStartingToCancelingUnfinishedLargeFiles") or rule.get(
            "days_from_starting_to_canceling_unfinished_large_files"
        )
        if days and prefix.startswith(rule_prefix):
            return True
    return False


def _origin_matches(pattern: str, origin: str) -> bool:
    if pattern == "*":
        return True
    if "*" not in pattern:
        return pattern.rstrip("/") == origin
    head, _, tail = pattern.partition("*")
    return origin.startswith(head) and origin.endswith(tail) and len(origin) >= len(head) + len(tail)
