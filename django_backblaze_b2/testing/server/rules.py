"""B2's rules, as its documentation states them: names, capabilities, part numbers, Object Lock."""

from __future__ import annotations

import mimetypes
import re
import secrets
import time
from typing import Any

from ._b2 import FileRetentionSetting, LegalHold, RetentionMode
from .errors import B2ApiError, bad_request

MAX_FILE_NAME_BYTES = 1024  # B2's documented limit, in bytes of UTF-8
MAX_PART_NUMBER = 10_000
MAX_DOWNLOAD_AUTHORIZATION_SECONDS = 604_800
BUCKET_NAME = re.compile(r"^[A-Za-z0-9-]{6,63}$")
BUCKET_TYPES = ("allPrivate", "allPublic")
MAX_FILE_INFO_BYTES = 7000  # the headers of an upload; b2_start_large_file and copies allow the same


def new_bucket_id() -> str:
    """B2's bucket ids are 24 lowercase hex digits."""
    return secrets.token_hex(12)


def check_bucket_name(name: str) -> None:
    if not BUCKET_NAME.match(name) or name.lower().startswith("b2-"):
        raise bad_request(f"Invalid bucket name {name!r}: 6 to 63 letters, digits and hyphens, not starting with 'b2-'")


def check_bucket_type(bucket_type: Any, *, required: bool) -> None:
    if bucket_type is None and not required:
        return
    if bucket_type not in BUCKET_TYPES:
        raise bad_request(f"Unsupported bucket type: {bucket_type!r}")


def check_file_name(name: str) -> None:
    """B2's rules for file names: 1 to 1024 bytes of UTF-8, no control characters (DEL included)."""
    encoded = name.encode("utf-8", errors="surrogatepass")
    if not encoded:
        raise bad_request("File name must be at least 1 character")
    if len(encoded) > MAX_FILE_NAME_BYTES:
        raise bad_request(f"File name is too long (at most {MAX_FILE_NAME_BYTES} bytes of UTF-8)")
    if any(ord(c) < 32 or c == "\x7f" for c in name):
        raise bad_request("File names must not contain control characters")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise bad_request("File names must be valid UTF-8") from exc


def check_file_info(file_info: Any) -> dict[str, str]:
    """B2 stores file info names lowercased; values are strings."""
    if file_info is None:
        return {}
    if not isinstance(file_info, dict) or not all(isinstance(v, str) for v in file_info.values()):
        raise bad_request("fileInfo must be an object of strings")
    if len(file_info) > 10:
        raise bad_request("fileInfo has at most 10 entries")
    return {str(k).lower(): v for k, v in file_info.items()}


def content_type_for(name: str, content_type: str | None) -> str:
    """B2 guesses ``b2/x-auto`` from the file name's extension."""
    if not content_type or content_type == "b2/x-auto":
        return mimetypes.guess_type(name)[0] or "application/octet-stream"
    return content_type


def part_number(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise bad_request("partNumber is required") from exc
    if not 1 <= number <= MAX_PART_NUMBER:
        raise bad_request(f"Part number must be in range 1 - {MAX_PART_NUMBER}")
    return number


def parse_copy_range(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    match = re.fullmatch(r"bytes=(\d+)-(\d+)", value.strip())
    if match is None or int(match.group(2)) < int(match.group(1)):
        raise bad_request(f"bad range: {value}")
    return int(match.group(1)), int(match.group(2))


def require(key: Any, capability: str, bucket_id: str | None = None, file_name: str | None = None) -> None:
    """The key has ``capability`` and its bucket and name-prefix restrictions allow the target."""
    if capability not in key.capabilities:
        raise B2ApiError(401, "unauthorized", f"The key lacks the {capability} capability")
    if key.bucket_id_or_none is not None and bucket_id is not None and key.bucket_id_or_none != bucket_id:
        raise B2ApiError(401, "unauthorized", "The key is restricted to another bucket")
    prefix = key.name_prefix_or_none
    if prefix is not None and file_name is not None and not file_name.startswith(prefix):
        raise B2ApiError(401, "unauthorized", f"The key is restricted to names starting with {prefix!r}")


# --- Object Lock ---------------------------------------------------------------------------------


def now_millis() -> int:
    return int(time.time() * 1000)


def _in_force(retention: FileRetentionSetting | None) -> bool:
    return bool(
        retention is not None
        and retention.mode in (RetentionMode.GOVERNANCE, RetentionMode.COMPLIANCE)
        and retention.retain_until is not None
        and retention.retain_until > now_millis()
    )


def check_lock_enabled(bucket: Any, what: str) -> None:
    if not bucket.is_file_lock_enabled:
        raise bad_request(f"{what} needs a bucket with Object Lock enabled")


def check_delete(file_sim: Any, key: Any, bypass_governance: bool) -> None:
    """B2 refuses to delete a version under legal hold or retention (governance: unless bypassed)."""
    if file_sim.legal_hold == LegalHold.ON:
        raise B2ApiError(403, "access_denied", "The file version is under legal hold")
    retention = file_sim.file_retention
    if not _in_force(retention):
        return
    if retention.mode == RetentionMode.COMPLIANCE:
        raise B2ApiError(403, "access_denied", "The file version is under compliance retention")
    if not (bypass_governance and "bypassGovernance" in key.capabilities):
        raise B2ApiError(
            403, "access_denied", "The file version is under governance retention (bypassGovernance needed)"
        )


def check_retention_change(
    current: FileRetentionSetting | None, new: FileRetentionSetting, key: Any, bypass: bool
) -> None:
    """Compliance retention can only be extended; governance can be shortened, removed or changed
    only with ``bypassGovernance`` (and the capability of that name)."""
    if not _in_force(current):
        return
    assert current is not None
    new_until = new.retain_until or 0
    if current.mode == RetentionMode.COMPLIANCE:
        if new.mode != RetentionMode.COMPLIANCE or new_until < (current.retain_until or 0):
            raise B2ApiError(403, "access_denied", "Compliance retention can only be extended")
        return
    weakened = new.mode is None or new.mode == RetentionMode.NONE or new_until < (current.retain_until or 0)
    if new.mode == RetentionMode.COMPLIANCE and new_until >= (current.retain_until or 0):
        weakened = False
    if weakened and not (bypass and "bypassGovernance" in key.capabilities):
        raise B2ApiError(403, "access_denied", "Shortening or removing governance retention needs bypassGovernance")
