"""The server's state on disk, so a restart keeps the account (``--data-dir``).

Layout: ``state.json`` holds everything but file contents (keys, tokens, buckets, file versions,
counters); ``blobs/`` holds each file version's bytes (and each uploaded part of an unfinished large
file) in its own file, written once. Every write goes to a temporary file that then replaces the
real one (``os.replace``), blobs before the state that names them, so a crash loses at most the call
in flight; blobs no state names any more are removed after the state is written.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ._b2 import (
    BucketRetentionSetting,
    EncryptionAlgorithm,
    EncryptionKey,
    EncryptionMode,
    EncryptionSetting,
    FileRetentionSetting,
    KeySimulator,
    LegalHold,
    PartSimulator,
    ReplicationConfiguration,
    ReplicationStatus,
    RetentionMode,
    RetentionPeriod,
)
from .auth import TokenStore

FORMAT_VERSION = 1


def _write_atomically(path: Path, data: bytes) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _encryption_to_json(setting: EncryptionSetting | None) -> dict[str, Any] | None:
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


def _encryption_from_json(value: dict[str, Any] | None) -> EncryptionSetting | None:
    if value is None:
        return None
    algorithm = EncryptionAlgorithm(value["algorithm"]) if value.get("algorithm") else None
    key = None
    if "secret" in value:
        secret = base64.b64decode(value["secret"]) if value["secret"] is not None else None
        key = EncryptionKey(secret=secret, key_id=value.get("key_id"))
    return EncryptionSetting(EncryptionMode(value["mode"]), algorithm, key)


def _file_retention_to_json(setting: FileRetentionSetting | None) -> dict[str, Any] | None:
    return None if setting is None else {"mode": setting.mode.value, "retain_until": setting.retain_until}


def _file_retention_from_json(value: dict[str, Any] | None) -> FileRetentionSetting | None:
    return None if value is None else FileRetentionSetting(RetentionMode(value["mode"]), value["retain_until"])


def _bucket_retention_from_json(value: dict[str, Any]) -> BucketRetentionSetting:
    period = value.get("period")
    return BucketRetentionSetting(
        RetentionMode(value["mode"]), RetentionPeriod.from_period_dict(period) if period else None
    )


def _take_count(counter: Any) -> tuple[int, Any]:
    """The next value of an ``itertools.count`` and a fresh counter that still yields it."""
    value = next(counter)
    return value, itertools.count(value)


class StateStore:
    """Saves a simulator and its tokens to a directory and loads them back."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.blob_directory = directory / "blobs"
        self.blob_directory.mkdir(parents=True, exist_ok=True)
        self.state_path = directory / "state.json"
        self._blobs = {p.name for p in self.blob_directory.iterdir() if not p.name.startswith(".tmp-")}

    def _blob(self, name: str, data: bytes, used: set[str]) -> str:
        if name not in self._blobs:
            _write_atomically(self.blob_directory / name, data)
            self._blobs.add(name)
        used.add(name)
        return name

    def _read_blob(self, name: str) -> bytes:
        return (self.blob_directory / name).read_bytes()

    # saving

    def save(self, sim: Any, tokens: TokenStore) -> None:
        used: set[str] = set()
        bucket_number, sim.bucket_id_counter = _take_count(sim.bucket_id_counter)
        state = {
            "format": FORMAT_VERSION,
            "counters": {
                "auth_token": sim.auth_token_counter,
                "account": sim.account_counter,
                "app_key": sim.app_key_counter,
                "bucket": bucket_number,
                "file_number": sim.file_number,
            },
            "keys": [self._key(key, key in sim.all_application_keys) for key in sim.key_id_to_key.values()],
            "account_tokens": {token: key.application_key_id for token, key in sim.auth_token_to_key.items()},
            "expired_account_tokens": sorted(sim.expired_auth_tokens),
            "tokens": tokens.as_dict(),
            "buckets": [self._bucket(bucket, used) for bucket in sim.bucket_id_to_bucket.values()],
            "file_id_to_bucket_id": dict(sim.file_id_to_bucket_id),
        }
        _write_atomically(self.state_path, json.dumps(state, sort_keys=True).encode())
        for name in self._blobs - used:
            with contextlib.suppress(OSError):
                (self.blob_directory / name).unlink()
        self._blobs &= used

    @staticmethod
    def _key(key: Any, listed: bool) -> dict[str, Any]:
        return {
            "account_id": key.account_id,
            "name": key.name,
            "application_key_id": key.application_key_id,
            "key": key.key,
            "capabilities": list(key.capabilities),
            "expiration_timestamp_or_none": key.expiration_timestamp_or_none,
            "bucket_id_or_none": key.bucket_id_or_none,
            "bucket_name_or_none": key.bucket_name_or_none,
            "name_prefix_or_none": key.name_prefix_or_none,
            "listed": listed,
        }

    def _bucket(self, bucket: Any, used: set[str]) -> dict[str, Any]:
        retention = bucket.default_retention
        return {
            "account_id": bucket.account_id,
            "bucket_id": bucket.bucket_id,
            "bucket_name": bucket.bucket_name,
            "bucket_type": bucket.bucket_type,
            "bucket_info": bucket.bucket_info,
            "cors_rules": bucket.cors_rules,
            "lifecycle_rules": bucket.lifecycle_rules,
            "options": sorted(bucket.options_set),
            "revision": bucket.revision,
            "default_server_side_encryption": _encryption_to_json(bucket.default_server_side_encryption),
            "is_file_lock_enabled": bucket.is_file_lock_enabled,
            "default_retention": retention.as_dict() if retention is not None else None,
            "replication": bucket.replication.as_dict() if bucket.replication is not None else None,
            "notification_rules": bucket.get_notification_rules(),
            "files": [self._file(file_sim, used) for file_sim in bucket.file_id_to_file.values()],
        }

    def _file(self, file_sim: Any, used: set[str]) -> dict[str, Any]:
        data = file_sim.data_bytes
        value: dict[str, Any] = {
            "file_id": file_sim.file_id,
            "action": file_sim.action,
            "name": file_sim.name,
            "content_type": file_sim.content_type,
            "content_sha1": file_sim.content_sha1,
            "file_info": file_sim.file_info,
            "upload_timestamp": file_sim.upload_timestamp,
            "server_side_encryption": _encryption_to_json(file_sim.server_side_encryption),
            "file_retention": _file_retention_to_json(file_sim.file_retention),
            "legal_hold": file_sim.legal_hold.value,
            "replication_status": file_sim.replication_status and file_sim.replication_status.value,
            "data": None if data is None else self._blob(f"f{file_sim.file_id}", data, used),
            "parts": [],
        }
        if file_sim.action == "start":
            value["parts"] = [
                {
                    "part_number": part.part_number,
                    "content_length": part.content_length,
                    "content_sha1": part.content_sha1,
                    "data": self._blob(
                        f"p{file_sim.file_id}-{part.part_number}-{part.content_sha1}", part.part_data, used
                    ),
                }
                for part in file_sim.parts
                if part is not None
            ]
        return value

    # loading

    def load(self, sim: Any, tokens: TokenStore) -> bool:
        """Fill a fresh simulator from the directory; False if nothing was saved there yet."""
        if not self.state_path.exists():
            return False
        state = json.loads(self.state_path.read_text())
        if state.get("format") != FORMAT_VERSION:
            raise ValueError(f"{self.state_path}: unknown format {state.get('format')!r}")
        counters = state["counters"]
        sim.auth_token_counter = counters["auth_token"]
        sim.account_counter = counters["account"]
        sim.app_key_counter = counters["app_key"]
        sim.bucket_id_counter = itertools.count(counters["bucket"])
        sim.file_number = counters["file_number"]
        for value in state["keys"]:
            listed = value.pop("listed")
            key = KeySimulator(**value)
            sim.key_id_to_key[key.application_key_id] = key
            if listed:
                sim.all_application_keys.append(key)
        for token, key_id in state["account_tokens"].items():
            if key_id in sim.key_id_to_key:
                sim.auth_token_to_key[token] = sim.key_id_to_key[key_id]
        sim.expired_auth_tokens.update(state["expired_account_tokens"])
        tokens.load(state["tokens"])
        for value in state["buckets"]:
            self._load_bucket(sim, value)
        sim.file_id_to_bucket_id.update(state["file_id_to_bucket_id"])
        return True

    def _load_bucket(self, sim: Any, value: dict[str, Any]) -> None:
        replication = value["replication"]
        bucket = sim.BUCKET_SIMULATOR_CLASS(
            sim,
            value["account_id"],
            value["bucket_id"],
            value["bucket_name"],
            value["bucket_type"],
            value["bucket_info"],
            value["cors_rules"],
            value["lifecycle_rules"],
            set(value["options"]),
            default_server_side_encryption=_encryption_from_json(value["default_server_side_encryption"]),
            is_file_lock_enabled=value["is_file_lock_enabled"],
            replication=ReplicationConfiguration.from_dict(replication) if replication else None,
        )
        bucket.revision = value["revision"]
        if value["default_retention"] is not None:
            bucket.default_retention = _bucket_retention_from_json(value["default_retention"])
        if value["notification_rules"]:
            bucket.set_notification_rules(value["notification_rules"])
        for file_value in value["files"]:
            file_sim = bucket.FILE_SIMULATOR_CLASS(
                bucket.account_id,
                bucket,
                file_value["file_id"],
                file_value["action"],
                file_value["name"],
                file_value["content_type"],
                file_value["content_sha1"],
                file_value["file_info"],
                None if file_value["data"] is None else self._read_blob(file_value["data"]),
                file_value["upload_timestamp"],
                server_side_encryption=_encryption_from_json(file_value["server_side_encryption"]),
                file_retention=_file_retention_from_json(file_value["file_retention"]),
                legal_hold=LegalHold(file_value["legal_hold"]),
                replication_status=ReplicationStatus(file_value["replication_status"])
                if file_value["replication_status"]
                else None,
            )
            for part in file_value["parts"]:
                file_sim.add_part(
                    part["part_number"],
                    PartSimulator(
                        file_sim.file_id,
                        part["part_number"],
                        part["content_length"],
                        part["content_sha1"],
                        self._read_blob(part["data"]),
                    ),
                )
            bucket.file_id_to_file[file_sim.file_id] = file_sim
            bucket.file_name_and_id_to_file[file_sim.sort_key()] = file_sim
        sim.bucket_name_to_bucket[bucket.bucket_name] = bucket
        sim.bucket_id_to_bucket[bucket.bucket_id] = bucket
