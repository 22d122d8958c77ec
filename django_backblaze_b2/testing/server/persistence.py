"""The server's state on disk: SQLite (``state.sqlite3``) for the metadata, ``blobs/`` for the bytes.

Every call that changes something commits one transaction holding only what it changed (the file
versions and parts it touched, the tokens it issued, the buckets and keys whose stored form
differs), so a call's cost does not grow with the bucket. Blobs are in place before the transaction
that names them commits, and blobs a call made unreferenced are removed after it commits: a crash
(even ``kill -9``) loses at most the call in flight, and what it leaves behind (``.tmp-*`` bodies,
blobs no row names) is removed at the next start. The JSON in the rows is this module's own form.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._b2 import KeySimulator, LegalHold, PartSimulator, ReplicationConfiguration, ReplicationStatus
from .auth import TokenStore
from .blobs import EMPTY, Blob, BlobStore
from .codecs import (
    bucket_retention_from_state,
    encryption_from_state,
    encryption_to_state,
    file_retention_from_state,
    file_retention_to_state,
)

FORMAT_VERSION = 2
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS keys (key_id TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS buckets (bucket_id TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (file_id TEXT PRIMARY KEY, bucket_id TEXT NOT NULL, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS parts (
    file_id TEXT NOT NULL, part_number INTEGER NOT NULL, value TEXT NOT NULL, PRIMARY KEY (file_id, part_number)
);
CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass
class Changes:
    """What one call touched: saved (or, when gone from the model, deleted) by :meth:`StateStore.save`."""

    files: dict[str, Any] = field(default_factory=dict)  # file id -> the file version object
    parts: set[tuple[str, int]] = field(default_factory=set)
    garbage: set[str] = field(default_factory=set)  # blob names to remove once committed

    def file(self, file_sim: Any) -> Any:
        self.files[file_sim.file_id] = file_sim
        return file_sim


class StateStore:
    """One data directory: ``state.sqlite3`` and ``blobs/``."""

    def __init__(self, directory: Path, *, durable: bool = True) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        if (directory / "state.json").exists() and not (directory / "state.sqlite3").exists():
            raise ValueError(
                f"{directory} holds the state.json of an earlier version of this server, which this one does not "
                "read: start it on another directory (the old one is left as it is)."
            )
        self.directory = directory
        self.blobs = BlobStore(directory / "blobs")
        self.database_path = directory / "state.sqlite3"
        self._lock = threading.Lock()
        self.db = sqlite3.connect(self.database_path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        # NORMAL: a committed call survives the process dying (kill -9), not necessarily the machine.
        self.db.execute(f"PRAGMA synchronous={'NORMAL' if durable else 'OFF'}")
        self.db.executescript(SCHEMA)
        self._saved_rows: dict[tuple[str, str], str] = {}

    def close(self) -> None:
        with self._lock:
            self.db.close()

    # saving

    def save(self, sim: Any, tokens: TokenStore, changes: Changes) -> None:
        with self._lock:
            db = self.db
            db.execute("BEGIN")
            try:
                self._save_meta(sim)
                self._save_rows("keys", {key.application_key_id: _key(key, sim) for key in sim.key_id_to_key.values()})
                self._save_rows("buckets", {b.bucket_id: _bucket(b) for b in sim.bucket_id_to_bucket.values()})
                for token, value in tokens.take_changes(sim).items():
                    if value is None:
                        db.execute("DELETE FROM tokens WHERE token = ?", (token,))
                    else:
                        db.execute("INSERT OR REPLACE INTO tokens VALUES (?, ?)", (token, json.dumps(value)))
                for file_id, file_sim in changes.files.items():
                    self._save_file(file_id, file_sim, changes)
                for file_id, number in changes.parts:
                    file_sim = changes.files.get(file_id)
                    part = _part(file_sim, number) if file_sim is not None and _present(file_sim) else None
                    if part is not None:
                        db.execute(
                            "INSERT OR REPLACE INTO parts VALUES (?, ?, ?)",
                            (file_id, number, json.dumps(_part_state(part))),
                        )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        self.blobs.remove(changes.garbage)

    def _save_meta(self, sim: Any) -> None:
        value = json.dumps(
            {
                "format": FORMAT_VERSION,
                "auth_token": sim.auth_token_counter,
                "account": sim.account_counter,
                "app_key": sim.app_key_counter,
                "file_number": sim.file_number,
            }
        )
        self._put("meta", "state", value, "INSERT OR REPLACE INTO meta VALUES (?, ?)")

    def _save_rows(self, table: str, rows: dict[str, dict[str, Any]]) -> None:
        """Write the rows whose stored form changed; delete the ones that are gone."""
        column = "key_id" if table == "keys" else "bucket_id"
        for row_id, value in rows.items():
            self._put(table, row_id, json.dumps(value, sort_keys=True), f"INSERT OR REPLACE INTO {table} VALUES (?, ?)")  # noqa: S608
        for cached_table, row_id in [k for k in self._saved_rows if k[0] == table and k[1] not in rows]:
            self.db.execute(f"DELETE FROM {table} WHERE {column} = ?", (row_id,))  # noqa: S608 (fixed names)
            del self._saved_rows[(cached_table, row_id)]

    def _put(self, table: str, row_id: str, value: str, statement: str) -> None:
        if self._saved_rows.get((table, row_id)) != value:
            self.db.execute(statement, (row_id, value))
            self._saved_rows[(table, row_id)] = value

    def _save_file(self, file_id: str, file_sim: Any, changes: Changes) -> None:
        if not _present(file_sim):
            self.db.execute("DELETE FROM files WHERE file_id = ?", (file_id,))
            self.db.execute("DELETE FROM parts WHERE file_id = ?", (file_id,))
            changes.garbage |= file_sim.blob_names()
            return
        self.db.execute(
            "INSERT OR REPLACE INTO files VALUES (?, ?, ?)",
            (file_id, file_sim.bucket.bucket_id, json.dumps(_file_state(file_sim))),
        )
        if file_sim.action != "start":  # a finished large file owns its parts' blobs now
            self.db.execute("DELETE FROM parts WHERE file_id = ?", (file_id,))

    # loading

    def load(self, sim: Any, tokens: TokenStore) -> bool:
        """Fill a fresh model from the directory, and remove crash leftovers; False if it was empty."""
        with self._lock:
            rows = self.db.execute("SELECT value FROM meta WHERE name = 'state'").fetchone()
            if rows is None:
                self.blobs.collect_garbage(set())
                return False
            meta = json.loads(rows[0])
            if meta.get("format") != FORMAT_VERSION:
                raise ValueError(f"{self.database_path}: unknown format {meta.get('format')!r}")
            sim.auth_token_counter = meta["auth_token"]
            sim.account_counter = meta["account"]
            sim.app_key_counter = meta["app_key"]
            sim.file_number = meta["file_number"]
            for key_id, value in self.db.execute("SELECT key_id, value FROM keys"):
                self._saved_rows[("keys", key_id)] = value
                _load_key(sim, json.loads(value))
            for bucket_id, value in self.db.execute("SELECT bucket_id, value FROM buckets"):
                self._saved_rows[("buckets", bucket_id)] = value
                _load_bucket(sim, json.loads(value))
            referenced: set[str] = set()
            large_files: dict[str, Any] = {}
            for bucket_id, value in self.db.execute("SELECT bucket_id, value FROM files"):
                file_sim = _load_file(sim.bucket_id_to_bucket[bucket_id], json.loads(value))
                referenced |= file_sim.blob_names()
                if file_sim.action == "start":
                    large_files[file_sim.file_id] = file_sim
            for file_id, number, value in self.db.execute("SELECT file_id, part_number, value FROM parts"):
                if file_id in large_files:
                    part = _load_part(file_id, number, json.loads(value))
                    large_files[file_id].add_part(number, part)
                    referenced |= part.part_data.names()
            stale = tokens.load_rows(sim, [json.loads(v) for (v,) in self.db.execute("SELECT value FROM tokens")])
            self.db.executemany("DELETE FROM tokens WHERE token = ?", [(token,) for token in stale])
        self.blobs.collect_garbage(referenced)
        return True


def _present(file_sim: Any) -> bool:
    bucket = file_sim.bucket
    return bool(
        bucket.api.bucket_id_to_bucket.get(bucket.bucket_id) is bucket
        and bucket.file_id_to_file.get(file_sim.file_id) is file_sim
    )


def _part(file_sim: Any, number: int) -> Any:
    parts = getattr(file_sim, "parts", None) or []
    return parts[number] if number < len(parts) else None


def _key(key: Any, sim: Any) -> dict[str, Any]:
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
        "listed": any(k is key for k in sim.all_application_keys),
    }


def _load_key(sim: Any, value: dict[str, Any]) -> None:
    listed = value.pop("listed")
    key = KeySimulator(**value)
    sim.key_id_to_key[key.application_key_id] = key
    if listed:
        sim.all_application_keys.append(key)


def _bucket(bucket: Any) -> dict[str, Any]:
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
        "default_server_side_encryption": encryption_to_state(bucket.default_server_side_encryption),
        "is_file_lock_enabled": bucket.is_file_lock_enabled,
        "default_retention": retention.as_dict() if retention is not None else None,
        "replication": bucket.replication.as_dict() if bucket.replication is not None else None,
        "notification_rules": bucket.get_notification_rules(),
    }


def _load_bucket(sim: Any, value: dict[str, Any]) -> None:
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
        default_server_side_encryption=encryption_from_state(value["default_server_side_encryption"]),
        is_file_lock_enabled=value["is_file_lock_enabled"],
        replication=ReplicationConfiguration.from_dict(replication) if replication else None,
    )
    bucket.revision = value["revision"]
    retention = bucket_retention_from_state(value["default_retention"])
    if retention is not None:
        bucket.default_retention = retention
    if value["notification_rules"]:
        bucket.set_notification_rules(value["notification_rules"])
    sim.bucket_name_to_bucket[bucket.bucket_name] = bucket
    sim.bucket_id_to_bucket[bucket.bucket_id] = bucket


def _file_state(file_sim: Any) -> dict[str, Any]:
    data = file_sim.data_bytes
    return {
        "file_id": file_sim.file_id,
        "action": file_sim.action,
        "name": file_sim.name,
        "content_type": file_sim.content_type,
        "content_sha1": file_sim.content_sha1,
        "file_info": file_sim.file_info,
        "upload_timestamp": file_sim.upload_timestamp,
        "server_side_encryption": encryption_to_state(file_sim.server_side_encryption),
        "file_retention": file_retention_to_state(file_sim.file_retention),
        "legal_hold": file_sim.legal_hold.value,
        "replication_status": file_sim.replication_status and file_sim.replication_status.value,
        "content_md5": file_sim.content_md5,
        "data": data.as_json() if isinstance(data, Blob) else None,
    }


def _load_file(bucket: Any, value: dict[str, Any]) -> Any:
    file_sim = bucket.FILE_SIMULATOR_CLASS(
        bucket.account_id,
        bucket,
        value["file_id"],
        value["action"],
        value["name"],
        value["content_type"],
        value["content_sha1"],
        value["file_info"],
        Blob.from_json(value["data"]) if value["data"] is not None else (EMPTY if value["action"] == "hide" else None),
        value["upload_timestamp"],
        server_side_encryption=encryption_from_state(value["server_side_encryption"]),
        file_retention=file_retention_from_state(value["file_retention"]),
        legal_hold=LegalHold(value["legal_hold"]),
        replication_status=ReplicationStatus(value["replication_status"]) if value["replication_status"] else None,
    )
    file_sim.content_md5 = value["content_md5"]
    bucket.file_id_to_file[file_sim.file_id] = file_sim
    bucket.file_name_and_id_to_file[file_sim.sort_key()] = file_sim
    bucket.api.file_id_to_bucket_id[file_sim.file_id] = bucket.bucket_id
    return file_sim


def _part_state(part: Any) -> dict[str, Any]:
    return {
        "content_length": part.content_length,
        "content_sha1": part.content_sha1,
        "content_md5": part.content_md5,
        "upload_timestamp": part.upload_timestamp,
        "data": part.part_data.as_json(),
    }


def _load_part(file_id: str, number: int, value: dict[str, Any]) -> Any:
    part = PartSimulator(file_id, number, value["content_length"], value["content_sha1"], Blob.from_json(value["data"]))
    part.content_md5, part.upload_timestamp = value["content_md5"], value["upload_timestamp"]
    return part
