"""The B2 native API on top of the simulator: JSON parameters in, B2's JSON answers out.

:class:`B2Backend` owns one :class:`ServerRawSimulator`, serializes every call to it with a lock,
checks tokens the way B2 does (:mod:`.auth`), fills the simulator's gaps against B2 (listing with
``delimiter``, unique file ids, ``b2/x-auto`` content types, upload URLs served here) and saves its
state after every call that changes it (:mod:`.persistence`). It knows nothing about HTTP.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import mimetypes
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote_plus

from ..simulator import MB, RealisticBucketSimulator, RealisticRawSimulator
from ._b2 import (
    ALL_CAPABILITIES,
    BucketRetentionSetting,
    EncryptionAlgorithm,
    EncryptionKey,
    EncryptionMode,
    EncryptionSetting,
    FileRetentionSetting,
    KeySimulator,
    LegalHold,
    MetadataDirectiveMode,
    ReplicationConfiguration,
    RetentionMode,
    RetentionPeriod,
)
from .auth import TokenStore, new_token
from .cors import validate_rules
from .errors import B2ApiError, b2_error_from_exception, bad_request

FIRST_FILE_NUMBER = 999_999_999_999
MAX_PART_NUMBER = 10_000
MAX_DOWNLOAD_AUTHORIZATION_SECONDS = 604_800
BUCKET_NAME_RE = re.compile(r"^[A-Za-z0-9-]{6,63}$")

# Calls after which the state is saved (they change something, tokens included).
MUTATING_CALLS = frozenset(
    {
        "b2_authorize_account",
        "b2_cancel_large_file",
        "b2_copy_file",
        "b2_copy_part",
        "b2_create_bucket",
        "b2_create_key",
        "b2_delete_bucket",
        "b2_delete_file_version",
        "b2_delete_key",
        "b2_finish_large_file",
        "b2_get_download_authorization",
        "b2_get_upload_part_url",
        "b2_get_upload_url",
        "b2_hide_file",
        "b2_start_large_file",
        "b2_update_bucket",
        "b2_update_file_legal_hold",
        "b2_update_file_retention",
        "b2_upload_file",
        "b2_upload_part",
    }
)

# Query parameters of a download URL that override a response header (B2 allows them with a token).
HEADER_OVERRIDES = {
    "b2ContentDisposition": "Content-Disposition",
    "b2ContentLanguage": "Content-Language",
    "b2Expires": "Expires",
    "b2CacheControl": "Cache-Control",
    "b2ContentEncoding": "Content-Encoding",
    "b2ContentType": "Content-Type",
}


class ServerBucketSimulator(RealisticBucketSimulator):
    """A bucket whose file ids are unique across the account, as B2's are."""

    def _next_file_id(self) -> str:
        return str(self.api.next_file_id())

    def _simulate_chunked_post(self, stream: IO[bytes], content_length: int, *args: Any, **kwargs: Any) -> bytes:
        # The body is already spooled on this side of the HTTP connection: read it once.
        stream.seek(0)
        return stream.read(content_length)


class ServerRawSimulator(RealisticRawSimulator):
    """The simulator behind a server: its URLs are the server's."""

    BUCKET_SIMULATOR_CLASS = ServerBucketSimulator

    def __init__(self, realm: str, recommended_part_size: int = 100 * MB) -> None:
        super().__init__(recommended_part_size=recommended_part_size)
        self.API_URL = self.DOWNLOAD_URL = self.S3_API_URL = realm
        self.file_number = FIRST_FILE_NUMBER
        self.current_token = ""

    def next_file_id(self) -> int:
        number = self.file_number
        self.file_number -= 1
        return number


@dataclass
class Download:
    """What to answer a download (or its HEAD) with; the body is ``data[start:stop]``."""

    status: int
    headers: list[tuple[str, str]]
    data: bytes
    start: int
    stop: int


@dataclass
class ListingEntry:
    name: str
    file_id: str | None
    as_dict: dict[str, Any] = field(repr=False)


def _sanitize(value: Any) -> Any:
    """JSON-ready: sets become lists, and SSE-C secrets never leave the server."""
    if isinstance(value, Mapping):
        return {str(k): _sanitize(v) for k, v in value.items() if k != "customerKey"}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [_sanitize(v) for v in items]
    return value


def check_file_name(name: str) -> None:
    """B2's rules for file names."""
    encoded = name.encode("utf-8")
    if not encoded:
        raise bad_request("File name must be at least 1 character")
    if len(encoded) > 1024:
        raise bad_request("File name is too long (at most 1024 bytes)")
    if any(ord(c) < 32 or c == "\x7f" for c in name):
        raise bad_request("File names must not contain control characters")
    if name.startswith("/") or name.endswith("/") or "//" in name:
        raise bad_request("File names must not start or end with '/' or contain '//'")
    if any(len(segment.encode("utf-8")) > 250 for segment in name.split("/")):
        raise bad_request("File name segment too long (at most 250 bytes)")


def content_type_for(name: str, content_type: str | None) -> str:
    """B2 guesses ``b2/x-auto`` from the file name's extension."""
    if not content_type or content_type == "b2/x-auto":
        return mimetypes.guess_type(name)[0] or "application/octet-stream"
    return content_type


def encryption_from_json(value: Mapping[str, Any] | None) -> EncryptionSetting | None:
    if not value:
        return None
    mode = EncryptionMode(value.get("mode") or "none")
    algorithm = EncryptionAlgorithm(value["algorithm"]) if value.get("algorithm") else None
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


def file_retention_from_json(value: Mapping[str, Any] | None) -> FileRetentionSetting | None:
    if not value or not value.get("mode"):
        return None
    return FileRetentionSetting(RetentionMode(value["mode"]), value.get("retainUntilTimestamp"))


def bucket_retention_from_json(value: Mapping[str, Any] | None) -> BucketRetentionSetting | None:
    if not value:
        return None
    period = value.get("period")
    return BucketRetentionSetting(
        RetentionMode(value["mode"]), RetentionPeriod.from_period_dict(period) if period else None
    )


def legal_hold_from_value(value: str | None) -> LegalHold | None:
    return None if value is None else LegalHold(value)


def replication_from_json(value: Mapping[str, Any] | None) -> ReplicationConfiguration | None:
    return ReplicationConfiguration.from_dict(dict(value)) if value else None


def parse_range_header(value: str | None, size: int) -> tuple[int, int] | None:
    """``(first, last)`` (inclusive) of a ``Range: bytes=...`` header, clamped to the size as B2 does;
    None for no (or an unusable) header; ``B2ApiError(416)`` when nothing of the file is in range."""
    if not value:
        return None
    match = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", value)
    if match is None or (not match.group(1) and not match.group(2)):
        return None
    unsatisfiable = B2ApiError(
        416,
        "range_not_satisfiable",
        f"The range {value} is not satisfiable for a file of {size} bytes",
        {"Content-Range": f"bytes */{size}"},
    )
    if not match.group(1):  # the last N bytes
        suffix = int(match.group(2))
        if suffix == 0 or size == 0:
            raise unsatisfiable
        return max(0, size - suffix), size - 1
    first = int(match.group(1))
    last = int(match.group(2)) if match.group(2) else size - 1
    if last < first:
        return None
    if first >= size:
        raise unsatisfiable
    return first, min(last, size - 1)


def parse_copy_range(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    match = re.fullmatch(r"bytes=(\d+)-(\d+)", value.strip())
    if match is None:
        raise bad_request(f"bad range: {value}")
    return int(match.group(1)), int(match.group(2))


def _basic_credentials(header: str | None) -> tuple[str, str]:
    if not header or not header.startswith("Basic "):
        raise B2ApiError(401, "bad_auth_token", "Basic authorization with the application key is required")
    try:
        key_id, _, key = base64.b64decode(header[6:]).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise B2ApiError(401, "bad_auth_token", "Malformed Basic authorization") from exc
    return key_id, key


class B2Backend:
    """One simulated B2 account, reachable through B2's native API operations."""

    def __init__(
        self,
        realm: str,
        key_id: str,
        key: str,
        *,
        recommended_part_size: int = 100 * MB,
        data_dir: str | Path | None = None,
        token_ttl: float = 24 * 60 * 60,
    ) -> None:
        from .persistence import StateStore  # persistence reads this module's simulator classes

        self.realm = realm
        self.lock = threading.RLock()
        self.simulator: Any = ServerRawSimulator(realm, recommended_part_size)
        self.tokens = TokenStore(self.simulator, token_ttl)
        self.store = StateStore(Path(data_dir)) if data_dir is not None else None
        self._upload_numbers = itertools.count(1)
        if self.store is not None:
            self.store.load(self.simulator, self.tokens)
        self._ensure_master_key(key_id, key)
        self.save()

    # --- state ----------------------------------------------------------------------------------

    def _ensure_master_key(self, key_id: str, key: str) -> None:
        sim = self.simulator
        existing = sim.key_id_to_key.get(key_id)
        if existing is not None:
            existing.key = key
            return
        # A master key's id is its account's id on B2; keep one account per data directory.
        masters = [k for k in sim.key_id_to_key.values() if k.name == "master"]
        account_id = masters[0].account_id if masters else key_id
        sim.key_id_to_key[key_id] = KeySimulator(
            account_id=account_id,
            name="master",
            application_key_id=key_id,
            key=key,
            capabilities=ALL_CAPABILITIES,
            expiration_timestamp_or_none=None,
            bucket_id_or_none=None,
            bucket_name_or_none=None,
            name_prefix_or_none=None,
        )

    def save(self) -> None:
        if self.store is not None:
            with self.lock:
                self.store.save(self.simulator, self.tokens)

    def expire_all_tokens(self) -> None:
        with self.lock:
            self.tokens.expire_all()
            self.save()

    # --- JSON calls -----------------------------------------------------------------------------

    def call(self, api_name: str, version: str, authorization: str | None, params: dict[str, Any]) -> dict[str, Any]:
        """Run one JSON API call; B2ApiError carries B2's error answer."""
        if api_name == "b2_authorize_account":
            result = self._locked(api_name, lambda: self.authorize_account(authorization, version))
            return _sanitize(result)  # type: ignore[no-any-return]
        operation: Callable[[Any, str, dict[str, Any], str], dict[str, Any]] | None = getattr(
            self, "op_" + api_name.removeprefix("b2_"), None
        )
        if operation is None or not api_name.startswith("b2_"):
            raise B2ApiError(404, "not_found", f"Unknown API: {api_name}")
        token = authorization or ""

        def run() -> dict[str, Any]:
            key = self.tokens.account_key(token)
            account_id = params.get("accountId")
            if account_id is not None and account_id != key.account_id:
                raise B2ApiError(401, "unauthorized", "The accountId does not match the authorization token")
            self.simulator.current_token = token
            return operation(key, token, params, version)

        return _sanitize(self._locked(api_name, run))  # type: ignore[no-any-return]

    def _locked(self, api_name: str, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        with self.lock:
            try:
                result = run()
            except Exception as exc:
                raise b2_error_from_exception(exc, api_name) from exc
            if api_name in MUTATING_CALLS:
                self.save()
            return result

    def authorize_account(self, authorization: str | None, version: str) -> dict[str, Any]:
        key_id, key = _basic_credentials(authorization)
        sim = self.simulator
        key_sim = sim.key_id_to_key.get(key_id)
        if key_sim is None or key_sim.key != key:
            raise B2ApiError(401, "bad_auth_token", "The applicationKeyId and/or the applicationKey are wrong")
        expiration = key_sim.expiration_timestamp_or_none
        if expiration is not None and expiration < time.time():
            raise B2ApiError(401, "bad_auth_token", "The application key has expired")
        result: dict[str, Any] = sim.authorize_account(self.realm, key_id, key)
        # The simulator's tokens are counters ("auth_token_0"); B2's are opaque and never reused.
        token = new_token("acct")
        sim.auth_token_to_key[token] = sim.auth_token_to_key.pop(result["authorizationToken"])
        sim.current_token = token
        self.tokens.add_account_token(token)
        result["authorizationToken"] = token
        storage = result["apiInfo"]["storageApi"]
        storage["infoType"] = "storageApi"
        result["applicationKeyExpirationTimestamp"] = expiration and expiration * 1000
        if version >= "v4":  # v4 lists the buckets a key is restricted to
            bucket_id = storage.get("bucketId")
            storage["allowed"] = {
                "buckets": [{"id": bucket_id, "name": storage.get("bucketName")}] if bucket_id else None,
                "capabilities": storage["capabilities"],
                "namePrefix": storage["namePrefix"],
            }
        return result

    def _require(self, key: Any, capability: str, bucket_id: str | None = None, file_name: str | None = None) -> None:
        if capability not in key.capabilities:
            raise B2ApiError(401, "unauthorized", f"The key lacks the {capability} capability")
        if key.bucket_id_or_none is not None and key.bucket_id_or_none != bucket_id:
            raise B2ApiError(401, "unauthorized", "The key is restricted to another bucket")
        prefix = key.name_prefix_or_none
        if prefix is not None and file_name is not None and not file_name.startswith(prefix):
            raise B2ApiError(401, "unauthorized", f"The key is restricted to names starting with {prefix!r}")

    def _bucket(self, bucket_id: Any) -> Any:
        bucket = self.simulator.bucket_id_to_bucket.get(bucket_id)
        if bucket is None:
            raise B2ApiError(400, "bad_bucket_id", f"Invalid bucketId: {bucket_id}")
        return bucket

    def _file(self, file_id: Any) -> Any:
        bucket_id = self.simulator.file_id_to_bucket_id.get(file_id)
        bucket = self.simulator.bucket_id_to_bucket.get(bucket_id)
        file_sim = bucket.file_id_to_file.get(file_id) if bucket is not None else None
        if file_sim is None:
            raise B2ApiError(404, "not_found", f"File not present: {file_id}")
        return file_sim

    def _large_file(self, file_id: Any) -> Any:
        file_sim = self._file(file_id)
        if file_sim.action != "start":
            raise bad_request(f"File {file_id} is not an unfinished large file")
        return file_sim

    # buckets

    def op_list_buckets(self, key: Any, token: str, params: dict[str, Any], version: str) -> dict[str, Any]:
        result: dict[str, Any] = self.simulator.list_buckets(
            self.realm, token, key.account_id, bucket_id=params.get("bucketId"), bucket_name=params.get("bucketName")
        )
        types = params.get("bucketTypes") or ["all"]
        if "all" not in types:
            result["buckets"] = [b for b in result["buckets"] if b["bucketType"] in types]
        return result

    def op_create_bucket(self, key: Any, token: str, params: dict[str, Any], version: str) -> dict[str, Any]:
        name = str(params.get("bucketName", ""))
        if not BUCKET_NAME_RE.match(name) or name.lower().startswith("b2-"):
            raise bad_request(
                f"Invalid bucket name {name!r}: 6 to 63 letters, digits and hyphens, not starting with 'b2-'"
            )
        bucket_type = params.get("bucketType")
        if bucket_type not in ("allPrivate", "allPublic"):
            raise bad_request(f"Unsupported bucket type: {bucket_type!r}")
        return self.simulator.create_bucket(  # type: ignore[no-any-return]
            self.realm,
            token,
            key.account_id,
            name,
            bucket_type,
            bucket_info=params.get("bucketInfo"),
            cors_rules=validate_rules(params.get("corsRules") or []),
            lifecycle_rules=params.get("lifecycleRules"),
            default_server_side_encryption=encryption_from_json(params.get("defaultServerSideEncryption")),
            is_file_lock_enabled=params.get("fileLockEnabled"),
            replication=replication_from_json(params.get("replicationConfiguration")),
        )

    def op_update_bucket(self, key: Any, token: str, params: dict[str, Any], version: str) -> dict[str, Any]:
        bucket_type = params.get("bucketType")
        if bucket_type is not None and bucket_type not in ("allPrivate", "allPublic"):
            raise bad_request(f"Unsupported bucket type: {bucket_type!r}")
        return self.simulator.update_bucket(  # type: ignore[no-any-return]
            self.realm,
            token,
            key.account_id,
            self._bucket(params.get("bucketId")).bucket_id,
            bucket_type=bucket_type,
            bucket_info=params.get("bucketInfo"),
            cors_rules=None if params.get("corsRules") is None else validate_rules(params["corsRules"]),
            lifecycle_rules=params.get("lifecycleRules"),
            if_revision_is=params.get("ifRevisionIs"),
            default_server_side_encryption=encryption_from_json(params.get("defaultServerSideEncryption")),
            default_retention=bucket_retention_from_json(params.get("defaultRetention")),
            replication=replication_from_json(params.get("replicationConfiguration")),
            is_file_lock_enabled=params.get("fileLockEnabled"),
        )

    def op_delete_bucket(self, key: Any, token: str, params: dict[str, Any], version: str) -> dict[str, Any]:
        bucket = self._bucket(params.get("bucketId"))
        if bucket.file_id_to_file:
            raise B2ApiError(400, "cannot_delete_non_empty_bucket", "Cannot delete non-empty bucket")
        return self.simulator.delete_bucket(self.realm, token, key.account_id, bucket.bucket_id)  # type: ignore[no-any-return]

    # uploads

    def op_get_upload_url(self, key: Any, token: str, params: dict[str, Any], version: str) -> dict[str, Any]:
        bucket = self._bucket(params.get("bucketId"))
        answer = self.simulator.get_upload_url(self.realm, token, bucket.bucket_id)
        return {"bucketId": bucket.bucket_id, **self._upload_target("file", bucket.bucket_id, answer, version)}

    def op_get_upload_part_url(self, key: Any, token: str, params: dict[str, Any], version: str) -> dict[str, Any]:
        file_sim = self._large_file(params.get("fileId"))
        answer = self.simulator.get_upload_part_url(self.realm, token, file_sim.file_id)
        return {"fileId": file_sim.file_id, **self._upload_target("part", file_sim.file_id, answer, version)}

    def _upload_target(self, kind: str, owner_id: str, answer: dict[str, Any], version: str) -> dict[str, str]:
        """This server's upload URL and its token, standing for the simulator's ``answer``."""
        target = self.tokens.add_upload(kind, owner_id, answer["uploadUrl"])
        number = next(self._upload_numbers)
        api_name = "b2_upload_file" if kind == "file" else "b2_upload_part"
        return {
            "uploadUrl": f"{self.realm}/b2api/{version}/{api_name}/{owner_id}/u{number}",
            "authorizationToken": target.token,
        }

    def upload_file(
        self, token: str | None, bucket_id: str, headers: Mapping[str, str], body: IO[bytes], length: int
    ) -> dict[str, Any]:
        """``b2_upload_file``: the body is spooled already; ``headers`` are the request's."""

        def run() -> dict[str, Any]:
            target = self.tokens.upload_target(token, "file", bucket_id)
            name = unquote_plus(headers.get("X-Bz-File-Name", ""))
            check_file_name(name)
            key = self.simulator.auth_token_to_key[target.simulator_url.rsplit("/", 1)[-1]]
            self._require(key, "writeFiles", bucket_id, name)
            sha1 = self._checked_sha1(headers.get("X-Bz-Content-Sha1"), body, length)
            custom_timestamp = headers.get("X-Bz-Custom-Upload-Timestamp")
            result: dict[str, Any] = self.simulator.upload_file(
                target.simulator_url,
                target.simulator_url,
                name,
                length,
                content_type_for(name, headers.get("Content-Type")),
                sha1,
                file_info_from_headers(headers),
                body,
                encryption_from_headers(headers),
                retention_from_headers(headers),
                legal_hold_from_value(headers.get("X-Bz-File-Legal-Hold")),
                int(custom_timestamp) if custom_timestamp else None,
            )
            return result

        return _sanitize(self._locked("b2_upload_file", run))  # type: ignore[no-any-return]

    def upload_part(
        self, token: str | None, file_id: str, headers: Mapping[str, str], body: IO[bytes], length: int
    ) -> dict[str, Any]:
        def run() -> dict[str, Any]:
            target = self.tokens.upload_target(token, "part", file_id)
            self._large_file(file_id)
            try:
                part_number = int(headers.get("X-Bz-Part-Number", ""))
            except ValueError as exc:
                raise bad_request("X-Bz-Part-Number is required") from exc
            if not 1 <= part_number <= MAX_PART_NUMBER:
                raise bad_request(f"Part number must be in range 1 - {MAX_PART_NUMBER}")
            sha1 = self._checked_sha1(headers.get("X-Bz-Content-Sha1"), body, length)
            result: dict[str, Any] = self.simulator.upload_part(
                target.simulator_url,
                target.simulator_url,
                part_number,
                length,
                sha1,
                body,
                encryption_from_headers(headers),
            )
            return result

        return _sanitize(self._locked("b2_upload_part", run))  # type: ignore[no-any-return]

    @staticmethod
    def _checked_sha1(sha1: str | None, body: IO[bytes], length: int) -> str:
        if not sha1:
            raise bad_request("X-Bz-Content-Sha1 is required")
        if sha1 == "do_not_verify":
            body.seek(0)
            digest = hashlib.sha1(body.read(length)).hexdigest()  # noqa: S324
            return digest
        if sha1 != "hex_digits_at_end" and not re.fullmatch(r"[0-9a-fA-F]{40}", sha1):
            raise bad_request(f"Bad X-Bz-Content-Sha1: {sha1}")
        return sha1.lower()

    # large files

    def op_start_large_file(self, key: Any, token: str, params: dict[str, Any], version: str) -> dict[str, Any]:
        bucket = self._bucket(params.get("bucketId"))
        name = str(params.get("fileName", ""))
        check_file_name(name)
        self._require(key, "writeFiles", bucket.bucket_id, name)
        result: dict[str, Any] = self.simulator.start_large_file(
            self.realm,
            token,
            bucket.bucket_id,
            name,
            content_type_for(name, params.get("contentType")),
            dict(params.get("fileInfo") or {}),
            encryption_from_json(params.get("serverSideEncryption")),
            file_retention_from_json(params.get("fileRetention")),
            legal_hold_from_value(params.get("legalHold")),
            custom_upload_timestamp=params.get("custom_upload_timestamp"),
        )
        return result

    def op_finish_large_file(self, key: Any, token: str, params: dict[str, Any], version: str) -> dict[str, Any]:
        file_sim = self._large_file(params.get("fileId"))
        parts = [p for p in file_sim.parts if p is not None]
        if len(parts) < 2:
            raise bad_request("A large file must have at least 2 parts")
        minimum = self.simulator.MIN_PART_SIZE
        for part in sorted(parts, key=lambda p: p.part_number)[:-1]:
            if part.content_length < minimum:
                raise bad_request(f"Part number {part.part_number} is smaller than the minimum part size")
        return self.simulator.finish_large_file(  # type: ignore[no-any-return]
            self.realm, token, file_sim.file_id, list(params.get("partSha1Array") or [])
        )

    def op_cancel_large_file(self, key: Any, token: str, params: dict[str, Any], version: str) -> dict[str, Any]:
        file_sim = self._large_file(params.get("fileId"))
        return self.simulator.cancel_large_file(self.realm, token, file_sim.file_id)  # type: ignore[no-any-return]

    def op_list_parts(self, key: Any, token: str, params: dict[str, Any], version: str) -> dict[str, Any]:
        file_sim = self._large_file(params.get("fileId"))
        return self.simulator.list_parts(  # type: ignore[no-any-return]
            self.realm, token, file_sim.file_id, params.get("startPartNumber"), params.get("maxPartCount")
        )

    def op_list_unfinished_large_files(
        self, key: Any, token: str, params: dict[str, Any], version: str
    ) -> dict[str, Any]:
        bucket = self._bucket(params.get("bucketId"))
        return self.simulator.list_unfinished_large_files(  # type: ignore[no-any-return]
            self.realm,
            token,
            bucket.bucket_id,
            start_file_id=params.get("startFileId"),
            max_file_count=params.get("maxFileCount"),
            prefix=params.get("namePrefix"),
        )

    # files

    def op_list_file_names(self, key: Any, token: str, params: dict[str, Any], version: str) -> dict[str, Any]:
        return self._list(key, token, params, versions=False)

    def op_list_file_versions(self, key: Any, token: str, params: dict[str, Any], version: str) -> dict[str, Any]:
        return self._list(key, token, params, versions=True)

    def _list(self, key: Any, token: str, params: dict[str, Any], *, versions: bool) -> dict[str, Any]:
        """B2's listing, ``delimiter`` included (the simulator has none)."""
        bucket = self._bucket(params.get("bucketId"))
        prefix = str(params.get("prefix") or "")
        self._require(key, "listFiles", bucket.bucket_id, prefix if key.name_prefix_or_none is not None else None)
        delimiter = params.get("delimiter") or None
        max_count = int(params.get("maxFileCount") or 100)
        if not 1 <= max_count <= 10_000:
            raise bad_request("maxFileCount must be between 1 and 10000")
        start_name = str(params.get("startFileName") or "")
        start_id = params.get("startFileId") if versions else None
        entries: list[ListingEntry] = []
        last_folder = None
        seen_name = None
        for name, file_id in sorted(bucket.file_name_and_id_to_file):
            if name < start_name or not name.startswith(prefix):
                continue
            if versions and start_id and name == start_name and int(file_id) < int(start_id):
                continue
            file_sim = bucket.file_name_and_id_to_file[(name, file_id)]
            if not versions:
                if file_sim.action not in ("upload", "hide") or name == seen_name:
                    continue
                seen_name = name  # the newest finished version (ids count down) decides
                if file_sim.action == "hide":
                    continue
            if delimiter:
                cut = name.find(delimiter, len(prefix))
                if cut >= 0:
                    folder = name[: cut + len(delimiter)]
                    if folder != last_folder:
                        last_folder = folder
                        entries.append(ListingEntry(folder, None, folder_entry(bucket, folder)))
                    continue
            entries.append(ListingEntry(name, file_id, file_sim.as_list_files_dict(token)))
            if len(entries) > max_count:
                break
        result: dict[str, Any] = {"files": [e.as_dict for e in entries[:max_count]], "nextFileName": None}
        if versions:
            result["nextFileId"] = None
        if len(entries) > max_count:
            result["nextFileName"] = entries[max_count].name
            if versions:
                result["nextFileId"] = entries[max_count].file_id
        return result

    def op_get_file_info(self, key: Any, token: str, params: dict[str, Any], version: str) -> dict[str, Any]:
        file_sim = self._file(params.get("fileId"))
        self._require(key, "readFiles", file_sim.bucket.bucket_id, file_sim.name)
        return file_sim.as_upload_result(token)  # type: ignore[no-any-return]

    def op_hide_file(self, key: Any, token: str, params: dict[str, Any], version: str) -> dict[str, Any]:
        bucket = self._bucket(params.get("bucketId"))
        name = str(params.get("fileName", ""))
        newest = newest_version(bucket, name)
        if newest is None:
            raise B2ApiError(400, "no_such_file", f"File not present: {name}")
        if newest.action == "hide":
            raise B2ApiError(400, "already_hidden", f"File already hidden: {name}")
        return self.simulator.hide_file(self.realm, token, bucket.bucket_id, name)  # type: ignore[no-any-return]

    def op_delete_file_version(self, key: Any, token: str, params: dict[str, Any], version: str) -> dict[str, Any]:
        file_id = params.get("fileId")
        file_sim = self._file(file_id)
        if file_sim.name != params.get("fileName"):
            raise B2ApiError(400, "file_not_present", f"File not present: {params.get('fileName')}")
        self._require(key, "deleteFiles", file_sim.bucket.bucket_id, file_sim.name)
        result: dict[str, Any] = self.simulator.delete_file_version(
            self.realm, token, file_id, file_sim.name, bool(params.get("bypassGovernance", False))
        )
        self.simulator.file_id_to_bucket_id.pop(file_id, None)
        return result

    def op_copy_file(self, key: Any, token: str, params: dict[str, Any], version: str) -> dict[str, Any]:
        source = self._file(params.get("sourceFileId"))
        if source.action != "upload":
            raise bad_request(f"Copy source is not a file: {params.get('sourceFileId')}")
        name = str(params.get("fileName", ""))
        check_file_name(name)
        destination = self._bucket(params.get("destinationBucketId") or source.bucket.bucket_id)
        self._require(key, "writeFiles", destination.bucket_id, name)
        directive = params.get("metadataDirective")
        content_type = params.get("contentType")
        if content_type is not None:
            content_type = content_type_for(name, content_type)
        result: dict[str, Any] = self.simulator.copy_file(
            self.realm,
            token,
            source.file_id,
            name,
            bytes_range=parse_copy_range(params.get("range")),
            metadata_directive=MetadataDirectiveMode[directive] if directive else None,
            content_type=content_type,
            file_info=params.get("fileInfo"),
            destination_bucket_id=destination.bucket_id,
            destination_server_side_encryption=encryption_from_json(params.get("destinationServerSideEncryption")),
            source_server_side_encryption=encryption_from_json(params.get("sourceServerSideEncryption")),
            file_retention=file_retention_from_json(params.get("fileRetention")),
            legal_hold=legal_hold_from_value(params.get("legalHold")),
        )
        # The simulator forgets which bucket a copy went to.
        self.simulator.file_id_to_bucket_id[result["fileId"]] = destination.bucket_id
        return result

    def op_copy_part(self, key: Any, token: str, params: dict[str, Any], version: str) -> dict[str, Any]:
        source = self._file(params.get("sourceFileId"))
        large_file = self._large_file(params.get("largeFileId"))
        part_number = int(params.get("partNumber") or 0)
        if not 1 <= part_number <= MAX_PART_NUMBER:
            raise bad_request(f"Part number must be in range 1 - {MAX_PART_NUMBER}")
        return self.simulator.copy_part(  # type: ignore[no-any-return]
            self.realm,
            token,
            source.file_id,
            large_file.file_id,
            part_number,
            bytes_range=parse_copy_range(params.get("range")),
            destination_server_side_encryption=encryption_from_json(params.get("destinationServerSideEncryption")),
            source_server_side_encryption=encryption_from_json(params.get("sourceServerSideEncryption")),
        )

    def op_update_file_retention(self, key: Any, token: str, params: dict[str, Any], version: str) -> dict[str, Any]:
        file_sim = self._file(params.get("fileId"))
        retention = file_retention_from_json(params.get("fileRetention"))
        if retention is None:
            raise bad_request("fileRetention is required")
        return self.simulator.update_file_retention(  # type: ignore[no-any-return]
            self.realm,
            token,
            file_sim.file_id,
            params.get("fileName"),
            retention,
            params.get("bypassGovernance", False),
        )

    def op_update_file_legal_hold(self, key: Any, token: str, params: dict[str, Any], version: str) -> dict[str, Any]:
        file_sim = self._file(params.get("fileId"))
        return self.simulator.update_file_legal_hold(  # type: ignore[no-any-return]
            self.realm, token, file_sim.file_id, params.get("fileName"), LegalHold(params.get("legalHold"))
        )

    # sharing

    def op_get_download_authorization(
        self, key: Any, token: str, params: dict[str, Any], version: str
    ) -> dict[str, Any]:
        bucket = self._bucket(params.get("bucketId"))
        prefix = params.get("fileNamePrefix")
        if prefix is None:
            raise bad_request("fileNamePrefix is required")
        seconds = params.get("validDurationInSeconds")
        if not isinstance(seconds, int) or not 1 <= seconds <= MAX_DOWNLOAD_AUTHORIZATION_SECONDS:
            raise bad_request(f"validDurationInSeconds must be 1 to {MAX_DOWNLOAD_AUTHORIZATION_SECONDS}")
        self._require(key, "shareFiles", bucket.bucket_id, prefix)
        authorization = self.tokens.add_download_authorization(bucket.bucket_id, str(prefix), seconds)
        return {"bucketId": bucket.bucket_id, "fileNamePrefix": prefix, "authorizationToken": authorization.token}

    # keys

    def op_create_key(self, key: Any, token: str, params: dict[str, Any], version: str) -> dict[str, Any]:
        bucket_id = params.get("bucketId")
        bucket_ids = params.get("bucketIds")
        if bucket_ids:
            if len(bucket_ids) > 1:
                raise bad_request("This server restricts a key to one bucket at most")
            bucket_id = bucket_ids[0]
        result: dict[str, Any] = self.simulator.create_key(
            self.realm,
            token,
            key.account_id,
            list(params.get("capabilities") or []),
            str(params.get("keyName", "")),
            params.get("validDurationInSeconds"),
            bucket_id,
            params.get("namePrefix"),
        )
        result["bucketIds"] = [bucket_id] if bucket_id else None
        return result

    def op_list_keys(self, key: Any, token: str, params: dict[str, Any], version: str) -> dict[str, Any]:
        return self.simulator.list_keys(  # type: ignore[no-any-return]
            self.realm,
            token,
            key.account_id,
            max_key_count=int(params.get("maxKeyCount") or 100),
            start_application_key_id=params.get("startApplicationKeyId"),
        )

    def op_delete_key(self, key: Any, token: str, params: dict[str, Any], version: str) -> dict[str, Any]:
        self._require(key, "deleteKeys")
        key_id = params.get("applicationKeyId")
        target = self.simulator.key_id_to_key.get(key_id)
        if target is not None and target.name == "master":
            raise bad_request("The master application key cannot be deleted")
        return self.simulator.delete_key(self.realm, token, key_id)  # type: ignore[no-any-return]

    # --- CORS ---------------------------------------------------------------------------------

    def cors_rules(
        self, *, bucket_name: str | None = None, bucket_id: str | None = None, file_id: str | None = None
    ) -> list[dict[str, Any]]:
        """The ``corsRules`` of the bucket a download or upload URL points into ([] if none)."""
        with self.lock:
            sim = self.simulator
            if file_id is not None:
                bucket_id = sim.file_id_to_bucket_id.get(file_id)
            bucket = (
                sim.bucket_name_to_bucket.get(bucket_name)
                if bucket_name is not None
                else sim.bucket_id_to_bucket.get(bucket_id)
            )
            return [dict(rule) for rule in bucket.cors_rules] if bucket is not None else []

    # --- downloads ------------------------------------------------------------------------------

    def download(
        self,
        api_name: str,
        *,
        token: str | None,
        headers: Mapping[str, str],
        query: Mapping[str, str],
        head: bool,
        bucket_name: str | None = None,
        file_name: str | None = None,
        file_id: str | None = None,
    ) -> Download:
        """A download by name or by id (GET or HEAD), checked as B2 checks it."""

        def run() -> Download:
            if file_id is not None:
                file_sim = self._file(file_id)
                if file_sim.action != "upload":
                    raise B2ApiError(404, "not_found", f"File not present: {file_id}")
                bucket = file_sim.bucket
            else:
                bucket = self.simulator.bucket_name_to_bucket.get(bucket_name)
                if bucket is None:
                    raise B2ApiError(404, "not_found", f"Bucket does not exist: {bucket_name}")
                file_sim = newest_version(bucket, file_name or "")
                if file_sim is None or file_sim.action != "upload":
                    raise B2ApiError(404, "not_found", f"File not present: {file_name}")
            self.tokens.check_download(bucket, file_sim.name, token)
            if not head:
                file_sim.check_encryption(encryption_from_headers(headers))
            return self._download_answer(file_sim, token, headers, query)

        with self.lock:
            try:
                return run()
            except Exception as exc:
                raise b2_error_from_exception(exc, api_name) from exc

    def _download_answer(
        self, file_sim: Any, token: str | None, headers: Mapping[str, str], query: Mapping[str, str]
    ) -> Download:
        data: bytes = file_sim.data_bytes
        size = len(data)
        account_token = token if token in self.simulator.auth_token_to_key else None
        answer = dict(file_sim.as_download_headers(account_auth_token_or_none=account_token))
        answer.pop("content-length", None)
        answer["Accept-Ranges"] = "bytes"
        for parameter, header in HEADER_OVERRIDES.items():
            if parameter in query:
                answer = {k: v for k, v in answer.items() if k.lower() != header.lower()}
                answer[header] = query[parameter]
        byte_range = parse_range_header(headers.get("Range"), size)
        status, start, stop = 200, 0, size
        if byte_range is not None:
            status, start, stop = 206, byte_range[0], byte_range[1] + 1
            answer["Content-Range"] = f"bytes {byte_range[0]}-{byte_range[1]}/{size}"
        answer["Content-Length"] = str(stop - start)
        return Download(status, list(answer.items()), data, start, stop)


def newest_version(bucket: Any, name: str) -> Any:
    """The newest finished version (upload or hide marker) of ``name``, or None."""
    newest = None
    for (file_name, file_id), file_sim in bucket.file_name_and_id_to_file.items():
        if (
            file_name == name
            and file_sim.action in ("upload", "hide")
            and (newest is None or int(file_id) < int(newest.file_id))
        ):
            newest = file_sim
    return newest


def folder_entry(bucket: Any, folder: str) -> dict[str, Any]:
    """A listing's "folder" entry, as B2 returns it when a delimiter is given."""
    return {
        "accountId": bucket.account_id,
        "action": "folder",
        "bucketId": bucket.bucket_id,
        "contentLength": 0,
        "contentSha1": None,
        "contentType": None,
        "fileId": None,
        "fileInfo": {},
        "fileName": folder,
        "uploadTimestamp": 0,
    }


def file_info_from_headers(headers: Mapping[str, str]) -> dict[str, str]:
    prefix = "x-bz-info-"
    return {
        name[len(prefix) :]: unquote_plus(value) for name, value in headers.items() if name.lower().startswith(prefix)
    }


def retention_from_headers(headers: Mapping[str, str]) -> FileRetentionSetting | None:
    mode = headers.get("X-Bz-File-Retention-Mode")
    if not mode:
        return None
    until = headers.get("X-Bz-File-Retention-Retain-Until-Timestamp")
    return FileRetentionSetting(RetentionMode(mode), int(until) if until else None)
