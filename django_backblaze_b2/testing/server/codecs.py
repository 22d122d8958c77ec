"""b2sdk's settings to and from JSON: B2's request fields (``*_from_request``) and the server's own
stored form (``*_to_state``/``*_from_state``, which keeps SSE-C secrets the requests carried)."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_plus

from ._b2 import (
    BucketRetentionSetting,
    EncryptionAlgorithm,
    EncryptionKey,
    EncryptionMode,
    EncryptionSetting,
    FileRetentionSetting,
    LegalHold,
    ReplicationConfiguration,
    RetentionMode,
    RetentionPeriod,
)
from .errors import bad_request

# --- B2's request fields --------------------------------------------------------------------------


def encryption_from_request(value: Mapping[str, Any] | None) -> EncryptionSetting | None:
    if not value:
        return None
    try:
        mode = EncryptionMode(value.get("mode") or "none")
        algorithm = EncryptionAlgorithm(value["algorithm"]) if value.get("algorithm") else None
    except ValueError as exc:
        raise bad_request(f"Bad server-side encryption setting: {exc}") from exc
    key = None
    if mode == EncryptionMode.SSE_C:
        try:
            key = EncryptionKey(secret=base64.b64decode(value["customerKey"]), key_id=None)
        except (KeyError, binascii.Error) as exc:
            raise bad_request("SSE-C needs a base64 customerKey") from exc
    return EncryptionSetting(mode, algorithm, key)


def encryption_from_headers(headers: Mapping[str, str]) -> EncryptionSetting | None:
    """The SSE setting of an upload or a download request, from b2sdk's ``X-Bz-Server-Side-*``."""
    if headers.get("X-Bz-Server-Side-Encryption-Customer-Algorithm"):
        try:
            secret = base64.b64decode(headers.get("X-Bz-Server-Side-Encryption-Customer-Key", ""))
        except binascii.Error as exc:
            raise bad_request("bad SSE-C key") from exc
        md5 = headers.get("X-Bz-Server-Side-Encryption-Customer-Key-Md5")
        if not secret or (md5 and md5 != base64.b64encode(hashlib.md5(secret).digest()).decode()):  # noqa: S324
            raise bad_request("The SSE-C key does not match its MD5")
        algorithm = EncryptionAlgorithm(headers["X-Bz-Server-Side-Encryption-Customer-Algorithm"])
        return EncryptionSetting(EncryptionMode.SSE_C, algorithm, EncryptionKey(secret=secret, key_id=None))
    algorithm_name = headers.get("X-Bz-Server-Side-Encryption")
    if algorithm_name and algorithm_name != "NONE":
        return EncryptionSetting(EncryptionMode.SSE_B2, EncryptionAlgorithm(algorithm_name))
    return None


def file_retention_from_request(value: Mapping[str, Any] | None) -> FileRetentionSetting | None:
    """``{"mode": "governance"|"compliance"|null, "retainUntilTimestamp": ms}``; None when absent."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise bad_request("fileRetention must be an object")
    mode = value.get("mode") or None
    if mode not in (None, "governance", "compliance"):
        raise bad_request(f"Unknown retention mode {mode!r}")
    until = value.get("retainUntilTimestamp")
    if mode is not None and (not isinstance(until, int) or isinstance(until, bool)):
        raise bad_request("retainUntilTimestamp is required with a retention mode")
    return FileRetentionSetting(RetentionMode(mode), until if mode is not None else None)


def stored_retention(setting: FileRetentionSetting | None) -> FileRetentionSetting | None:
    """What a version keeps: no setting for "no retention" (b2sdk writes a mode-less one's
    ``retainUntil`` into download headers as ``None``)."""
    return None if setting is None or setting.mode == RetentionMode.NONE else setting


def retention_from_headers(headers: Mapping[str, str]) -> FileRetentionSetting | None:
    mode = headers.get("X-Bz-File-Retention-Mode")
    if not mode:
        return None
    until = headers.get("X-Bz-File-Retention-Retain-Until-Timestamp")
    setting = file_retention_from_request({"mode": mode, "retainUntilTimestamp": int(until) if until else None})
    return stored_retention(setting)


def bucket_retention_from_request(value: Mapping[str, Any] | None) -> BucketRetentionSetting | None:
    if not value:
        return None
    period = value.get("period")
    try:
        mode = RetentionMode(value.get("mode") or None)
    except ValueError as exc:
        raise bad_request(f"Unknown retention mode {value.get('mode')!r}") from exc
    return BucketRetentionSetting(mode, RetentionPeriod.from_period_dict(period) if period else None)


def legal_hold_from_value(value: str | None) -> LegalHold | None:
    if value is None:
        return None
    try:
        return LegalHold(value)
    except ValueError as exc:
        raise bad_request(f"legalHold must be 'on' or 'off', not {value!r}") from exc


def replication_from_request(value: Mapping[str, Any] | None) -> ReplicationConfiguration | None:
    return ReplicationConfiguration.from_dict(dict(value)) if value else None


def file_info_from_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """``X-Bz-Info-*`` headers as file info; B2 lowercases the names (HTTP headers have no case)."""
    prefix = "x-bz-info-"
    return {
        name[len(prefix) :].lower(): unquote_plus(value)
        for name, value in headers.items()
        if name.lower().startswith(prefix)
    }


def sanitize(value: Any) -> Any:
    """JSON-ready: sets become lists, and SSE-C secrets never leave the server."""
    # Every answer goes through here, listings' thousands of entries too: the common types first
    # (an isinstance check against the Mapping ABC costs ten times one against dict).
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, dict):
        return {str(k): sanitize(v) for k, v in value.items() if k != "customerKey"}
    if isinstance(value, list):
        return [sanitize(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): sanitize(v) for k, v in value.items() if k != "customerKey"}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [sanitize(v) for v in items]
    return value


# --- the server's stored form ---------------------------------------------------------------------


def encryption_to_state(setting: EncryptionSetting | None) -> dict[str, Any] | None:
    if setting is None:
        return None
    value: dict[str, Any] = {"mode": setting.mode.value}
    if setting.algorithm is not None:
        value["algorithm"] = setting.algorithm.value
    if setting.key is not None:
        secret = setting.key.secret
        value["secret"] = base64.b64encode(secret).decode() if secret is not None else None
        value["key_id"] = setting.key.key_id if isinstance(setting.key.key_id, str) else None
    return value


def encryption_from_state(value: dict[str, Any] | None) -> EncryptionSetting | None:
    if value is None:
        return None
    algorithm = EncryptionAlgorithm(value["algorithm"]) if value.get("algorithm") else None
    key = None
    if "secret" in value:
        secret = base64.b64decode(value["secret"]) if value["secret"] is not None else None
        key = EncryptionKey(secret=secret, key_id=value.get("key_id"))
    return EncryptionSetting(EncryptionMode(value["mode"]), algorithm, key)


def file_retention_to_state(setting: FileRetentionSetting | None) -> dict[str, Any] | None:
    return None if setting is None else {"mode": setting.mode.value, "retain_until": setting.retain_until}


def file_retention_from_state(value: dict[str, Any] | None) -> FileRetentionSetting | None:
    return None if value is None else FileRetentionSetting(RetentionMode(value["mode"]), value["retain_until"])


def bucket_retention_from_state(value: dict[str, Any] | None) -> BucketRetentionSetting | None:
    if value is None:
        return None
    period = value.get("period")
    return BucketRetentionSetting(
        RetentionMode(value["mode"]), RetentionPeriod.from_period_dict(period) if period else None
    )
