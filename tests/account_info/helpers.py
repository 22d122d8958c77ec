"""Small helpers for the account-info tests: stand-in processes and concurrent requests."""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Callable
from typing import Any

from django.core.files.base import ContentFile
from django.db import connections

from django_backblaze_b2.cache_account_info import DjangoCacheAccountInfo
from django_backblaze_b2.connection import B2Connection, forget_connections
from django_backblaze_b2.options import resolve
from django_backblaze_b2.proxy import views
from django_backblaze_b2.storage import BackblazeB2Storage
from django_backblaze_b2.testing import current_simulator


def new_process() -> BackblazeB2Storage:
    """A storage as a freshly started process would have it: no connection, no copy in memory.

    The simulated B2 lives in this process, so "another process" is another shared connection; what
    it shares with the first is only what is in the Django cache.
    """
    forget_connections()
    views.reset_storages()  # the proxy routes' storages are per process too
    return BackblazeB2Storage()


def store_of(storage: BackblazeB2Storage) -> DjangoCacheAccountInfo:
    info = storage._connection.account_info
    assert isinstance(info, DjangoCacheAccountInfo), f"expected the Django-cache store, got {info!r}"
    return info


class StandInProcess:
    """One process's connection, living alongside others' in this process (for concurrent tests).

    It talks to B2 the way the storage does: through the connection's bucket.
    """

    def __init__(self, bucket: str = "django") -> None:
        self.connection = B2Connection(resolve({}), current_simulator())
        self.bucket_name = bucket

    @property
    def store(self) -> DjangoCacheAccountInfo:
        info = self.connection.account_info
        assert isinstance(info, DjangoCacheAccountInfo)
        return info

    def save(self, name: str, data: bytes) -> None:
        self.connection.bucket(self.bucket_name).upload_bytes(data, name)

    def read(self, name: str) -> bytes:
        downloaded = self.connection.bucket(self.bucket_name).download_file_by_name(name)
        out = io.BytesIO()
        downloaded.save(out)
        return out.getvalue()

    def versions(self, name: str) -> int:
        # Listing takes the account's token (uploads and downloads may not: upload URLs carry their own).
        return len(list(self.connection.bucket(self.bucket_name).list_file_versions(name)))

    def round_trip(self, name: str, data: bytes) -> bool:
        self.save(name, data)
        return self.versions(name) >= 1 and sha1(self.read(name)) == sha1(data)


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def save_and_read_back(storage: BackblazeB2Storage, name: str, data: bytes) -> bool:
    """One 'request': save, then read back; True when the bytes came back intact."""
    saved = storage.save(name, ContentFile(data))
    with storage.open(saved) as f:
        return sha1(f.read()) == sha1(data)


def in_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``count`` threads released together; results in order, exceptions as values."""
    start = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
