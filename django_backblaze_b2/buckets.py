"""``non_existent_bucket_details``: how to create the bucket when it is missing, in settings' terms.

The dict holds b2sdk's ``B2Api.create_bucket`` arguments (as in django-backblaze-b2 7.0.0), with two
made friendlier for a settings file:

- ``default_server_side_encryption``: ``{"mode": "SSE-B2"}`` instead of a b2sdk object;
- ``lifecycle_rules``: B2's rule dicts, with keys in B2's spelling (``fileNamePrefix``,
  ``daysFromUploadingToHiding``, ...) or in Python's (``file_name_prefix``, ``days_from_uploading_to_hiding``).

Everything is checked at start-up; the b2sdk objects are only built when the bucket is created.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from b2sdk.v2 import SSE_B2_AES, EncryptionSetting
from django.core.exceptions import ImproperlyConfigured

OPTION = "non_existent_bucket_details"
BUCKET_TYPES = ("allPrivate", "allPublic")
CREATE_ARGUMENTS = (
    "bucket_type",
    "bucket_info",
    "cors_rules",
    "lifecycle_rules",
    "default_server_side_encryption",
    "is_file_lock_enabled",
    "replication",
)
LIFECYCLE_DAYS = (
    "daysFromUploadingToHiding",
    "daysFromHidingToDeleting",
    "daysFromStartingToCancelingUnfinishedLargeFiles",
)
# B2 encrypts every new bucket by default (b2sdk refuses "none" as a default since 2.13).
BUCKET_ENCRYPTION_MODES = {"SSE-B2": SSE_B2_AES}


def validated_details(details: Any) -> dict[str, Any] | None:
    if details is None:
        return None
    if not isinstance(details, Mapping):
        raise ImproperlyConfigured(
            f"django-backblaze-b2 option {OPTION!r} must be a dict of b2sdk create_bucket arguments."
        )
    unknown = sorted(str(k) for k in details if k not in CREATE_ARGUMENTS)
    if unknown:
        raise ImproperlyConfigured(
            f"django-backblaze-b2 option {OPTION!r} has unknown key(s) {unknown}: use {', '.join(CREATE_ARGUMENTS)}."
        )
    result = dict(details)
    bucket_type = result.setdefault("bucket_type", "allPrivate")
    if bucket_type not in BUCKET_TYPES:
        raise ImproperlyConfigured(
            f"django-backblaze-b2 option {OPTION!r}: 'bucket_type' must be 'allPrivate' or 'allPublic', "
            f"not {bucket_type!r}."
        )
    if result.get("lifecycle_rules") is not None:
        result["lifecycle_rules"] = [_lifecycle_rule(rule) for rule in _rules(result["lifecycle_rules"])]
    encryption = result.get("default_server_side_encryption")
    if encryption is not None and not isinstance(encryption, EncryptionSetting):
        result["default_server_side_encryption"] = {"mode": _bucket_encryption_mode(encryption)}
    return result


def creation_arguments(details: Mapping[str, Any] | None) -> dict[str, Any]:
    """b2sdk ``create_bucket`` keyword arguments (without the name) from validated details."""
    arguments = {"bucket_type": "allPrivate", **(details or {})}
    encryption = arguments.get("default_server_side_encryption")
    if isinstance(encryption, Mapping):
        arguments["default_server_side_encryption"] = BUCKET_ENCRYPTION_MODES[encryption["mode"]]
    return arguments


def expected_encryption_mode(details: Mapping[str, Any] | None) -> str | None:
    """The mode as B2 reports a bucket's default (``"SSE-B2"``), if the settings ask for one."""
    encryption = (details or {}).get("default_server_side_encryption")
    if encryption is None:
        return None
    if isinstance(encryption, EncryptionSetting):
        return str(encryption.mode.value)
    return str(BUCKET_ENCRYPTION_MODES[encryption["mode"]].mode.value)


def _rules(rules: Any) -> list[Any]:
    if isinstance(rules, Mapping) or not isinstance(rules, list | tuple):
        raise ImproperlyConfigured(
            f"django-backblaze-b2 option {OPTION!r}: 'lifecycle_rules' must be a list of rules such as "
            "[{'fileNamePrefix': 'exports/', 'daysFromUploadingToHiding': 7, 'daysFromHidingToDeleting': 1}]."
        )
    return list(rules)


def _camel(key: str) -> str:
    return re.sub(r"_([a-z])", lambda match: match.group(1).upper(), key)


def _lifecycle_rule(rule: Any) -> dict[str, Any]:
    where = f"django-backblaze-b2 option {OPTION!r}: lifecycle rule"
    if not isinstance(rule, Mapping):
        raise ImproperlyConfigured(f"{where} {rule!r} must be a dict.")
    camel = {_camel(str(key)): value for key, value in rule.items()}
    unknown = sorted(key for key in camel if key not in ("fileNamePrefix", *LIFECYCLE_DAYS))
    if unknown:
        raise ImproperlyConfigured(
            f"{where} has unknown key(s) {unknown}: use 'fileNamePrefix' and {', '.join(LIFECYCLE_DAYS)}."
        )
    if not isinstance(camel.get("fileNamePrefix"), str):
        raise ImproperlyConfigured(
            f"{where} needs 'fileNamePrefix', the start of the names it applies to ('' for the whole bucket)."
        )
    for key in LIFECYCLE_DAYS:
        days = camel.get(key)
        if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 1):
            raise ImproperlyConfigured(f"{where}: {key!r} must be a whole number of days, 1 or more, or None.")
    if not any(camel.get(key) for key in LIFECYCLE_DAYS):
        raise ImproperlyConfigured(
            f"{where} for {camel['fileNamePrefix']!r} does nothing: set 'daysFromUploadingToHiding' and/or "
            "'daysFromHidingToDeleting'."
        )
    return camel


def _bucket_encryption_mode(encryption: Any) -> str:
    mode = str(encryption.get("mode", "")).upper() if isinstance(encryption, Mapping) else ""
    if mode not in BUCKET_ENCRYPTION_MODES:
        raise ImproperlyConfigured(
            f"django-backblaze-b2 option {OPTION!r}: 'default_server_side_encryption' must be "
            "{'mode': 'SSE-B2'}, the only mode B2 offers as a bucket default (SSE-C cannot be one because B2 "
            "never stores your key: use the 'server_side_encryption' option for that)."
        )
    return mode
