"""One simulated B2 account behind B2's native API: JSON parameters in, B2's JSON answers out.

:class:`B2Backend` holds the account's metadata in b2sdk's simulator objects (:mod:`.model`, with
their bytes on disk in :mod:`.blobs`) and its state in a data directory (:mod:`.persistence`; a
temporary one without ``data_dir``). Each call runs one registered operation (:mod:`.operations`)
under the account's lock, and what a changing call touched is committed before it answers. Request
bodies are received, and downloads streamed, outside the lock. It knows nothing about HTTP.
"""

from __future__ import annotations

import re
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote_plus

from ..simulator import MB
from ._b2 import ALL_CAPABILITIES, KeySimulator
from .auth import TokenStore
from .blobs import Received
from .codecs import (
    encryption_from_headers,
    file_info_from_headers,
    legal_hold_from_value,
    retention_from_headers,
    sanitize,
)
from .downloads import Download, answer, find_version
from .errors import B2ApiError, b2_error_from_exception, bad_request
from .model import ServerRawSimulator
from .operations import Call
from .ops_account import authorize_account
from .ops_files import version_answer
from .ops_large import part_answer
from .persistence import Changes, StateStore
from .registry import find
from .rules import check_file_info, check_file_name, content_type_for, part_number, require

API_VERSIONS = ("v1", "v2", "v3", "v4")
SHA1 = re.compile(r"[0-9a-fA-F]{40}")


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
        self.realm = realm
        self.lock = threading.RLock()
        # Without a data directory the same code runs on a temporary one, removed on close().
        self._temporary = tempfile.TemporaryDirectory(prefix="b2-server-") if data_dir is None else None
        directory = Path(self._temporary.name if self._temporary is not None else data_dir)  # type: ignore[arg-type]
        self.data_dir = None if data_dir is None else directory
        self.store = StateStore(directory, durable=data_dir is not None)
        self.blobs = self.store.blobs
        self.simulator: Any = ServerRawSimulator(realm, self.blobs, recommended_part_size)
        self.tokens = TokenStore(self.simulator, token_ttl)
        self.simulator.tokens = self.tokens
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

    def save(self, changes: Changes | None = None) -> None:
        with self.lock:
            self.store.save(self.simulator, self.tokens, changes or Changes())

    def close(self) -> None:
        """Save, and let go of the data directory (a temporary one is removed)."""
        with self.lock:
            self.save()
            self.store.close()
            if self._temporary is not None:
                self._temporary.cleanup()

    def expire_all_tokens(self) -> None:
        with self.lock:
            self.tokens.expire_all()
            self.save()

    # --- JSON calls -----------------------------------------------------------------------------

    def call(self, api_name: str, version: str, authorization: str | None, params: dict[str, Any]) -> dict[str, Any]:
        """Run one JSON API call; B2ApiError carries B2's error answer."""
        if version not in API_VERSIONS:
            raise B2ApiError(404, "not_found", f"Unknown API version: {version}")
        with self.lock:
            try:
                if api_name == "b2_authorize_account":
                    result = authorize_account(self, authorization, version)
                    self.save()
                    return sanitize(result)  # type: ignore[no-any-return]
                operation = find(api_name)
                token = authorization or ""
                key = self.tokens.account_key(token)
                account_id = params.get("accountId")
                if account_id is not None and account_id != key.account_id:
                    raise B2ApiError(401, "unauthorized", "The accountId does not match the authorization token")
                call = Call(self, key, token, params, version)
                result = operation.run(call)
                if operation.mutates:
                    self.save(call.changes)
            except Exception as exc:
                raise b2_error_from_exception(exc, api_name) from exc
            return sanitize(result)  # type: ignore[no-any-return]

    # --- uploads (bodies received by the caller, outside the lock) ------------------------------

    def check_upload(self, token: str | None, kind: str, target_id: str) -> None:
        """Refuse a bad upload token before its body is received."""
        self.tokens.upload_target(token, kind, target_id)

    def receive(self, stream: IO[bytes], length: int, headers: Mapping[str, str]) -> Received:
        at_end = headers.get("X-Bz-Content-Sha1") == "hex_digits_at_end"
        if at_end and length < 40:
            raise bad_request("The body is too short for hex_digits_at_end")
        return self.blobs.receive(stream, length, sha1_at_end=at_end)

    def upload_file(
        self, token: str | None, bucket_id: str, headers: Mapping[str, str], received: Received, version: str = "v4"
    ) -> dict[str, Any]:
        """``b2_upload_file`` of a received body; ``headers`` are the request's."""
        with self.lock:
            try:
                target = self.tokens.upload_target(token, "file", bucket_id)
                if self.simulator.upload_errors:  # failures a test scripted, as on b2sdk's simulator
                    raise self.simulator.upload_errors.pop(0)
                key = self._uploader(target.key_id)
                bucket = Call(self, key, token or "", {}, version).bucket(bucket_id)
                name = unquote_plus(headers.get("X-Bz-File-Name", ""))
                check_file_name(name)
                require(key, "writeFiles", bucket_id, name)
                sha1 = self._checked_sha1(headers.get("X-Bz-Content-Sha1"), received)
                file_info = check_file_info(file_info_from_headers(headers))
                timestamp = headers.get("X-Bz-Custom-Upload-Timestamp")
                file_sim = bucket.store_file(
                    name,
                    self.blobs.adopt(received, "f"),
                    sha1,
                    received.md5,
                    content_type_for(name, headers.get("Content-Type")),
                    file_info,
                    encryption_from_headers(headers),
                    retention_from_headers(headers),
                    legal_hold_from_value(headers.get("X-Bz-File-Legal-Hold")),
                    int(timestamp) if timestamp else None,
                )
                changes = Changes()
                changes.file(file_sim)
                self.save(changes)
                return sanitize(version_answer(Call(self, key, token or "", {}, version), file_sim))  # type: ignore[no-any-return]
            except Exception as exc:
                self.blobs.discard(received)
                raise b2_error_from_exception(exc, "b2_upload_file") from exc

    def upload_part(
        self, token: str | None, file_id: str, headers: Mapping[str, str], received: Received, version: str = "v4"
    ) -> dict[str, Any]:
        with self.lock:
            try:
                target = self.tokens.upload_target(token, "part", file_id)
                call = Call(self, self._uploader(target.key_id), token or "", {}, version)
                large_file = call.file(file_id, unfinished=True)
                number = part_number(headers.get("X-Bz-Part-Number"))
                sha1 = self._checked_sha1(headers.get("X-Bz-Content-Sha1"), received)
                blob = self.blobs.adopt(received, "p")
                call.changes.garbage |= large_file.bucket.store_part(large_file, number, blob, sha1, received.md5)
                call.changes.parts.add((file_id, number))
                self.save(call.changes)
                return sanitize(part_answer(call, large_file, number))  # type: ignore[no-any-return]
            except Exception as exc:
                self.blobs.discard(received)
                raise b2_error_from_exception(exc, "b2_upload_part") from exc

    def _uploader(self, key_id: str) -> Any:
        key = self.simulator.key_id_to_key.get(key_id)
        if key is None:
            raise B2ApiError(401, "bad_auth_token", "Invalid upload authorization token: the key was deleted")
        return key

    @staticmethod
    def _checked_sha1(sha1: str | None, received: Received) -> str:
        if not sha1:
            raise bad_request("X-Bz-Content-Sha1 is required")
        if sha1 == "do_not_verify":
            return received.sha1
        expected = received.trailing_sha1 if sha1 == "hex_digits_at_end" else sha1
        if expected is None or not SHA1.fullmatch(expected):
            raise bad_request(f"Bad X-Bz-Content-Sha1: {sha1}")
        if expected.lower() != received.sha1:
            raise bad_request("Sha1 did not match data received")
        return received.sha1

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
        """A download by name or by id (GET or HEAD), checked as B2 checks it; the caller streams
        the answer's segments with :meth:`read`."""
        with self.lock:
            try:
                file_sim = find_version(self.simulator, bucket_name=bucket_name, file_name=file_name, file_id=file_id)
                self.tokens.check_download(file_sim.bucket, file_sim.name, token)
                if not head:
                    file_sim.check_encryption(encryption_from_headers(headers))
                account_token = token if token in self.simulator.auth_token_to_key else None
                return answer(file_sim, account_token=account_token, headers=headers, query=query)
            except Exception as exc:
                raise b2_error_from_exception(exc, api_name) from exc

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
