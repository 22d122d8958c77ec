"""A Django cache used as state shared by every process of a deployment, and allowed to fail.

The B2 authorization and the bucket-name table live in a Django cache, but a cache is not a
database: entries get evicted, ``cache.clear()`` flushes them, and the server behind it can go away
(Django's ``RedisCache`` and ``DatabaseCache`` raise on connection errors). :class:`SharedCache` turns
every failure into :class:`CacheUnavailableError`, which its callers handle by using their copy in process
memory; it warns once per outage and, after a failure, leaves the cache alone for
``retry_after`` seconds so that requests do not each wait on a dead server.

:meth:`SharedCache.once` runs a piece of work (authorizing, looking a bucket up) in one process at a
time, through a lock taken with the cache's atomic ``add`` (an OS file lock for ``FileBasedCache``,
whose ``add`` is not atomic).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.db import BaseDatabaseCache
from django.core.cache.backends.filebased import FileBasedCache
from django.core.files import locks
from django.db import connections, router

logger = logging.getLogger("django_backblaze_b2")

T = TypeVar("T")


class CacheUnavailableError(Exception):
    """The cache raised, or failed recently enough that it is not being asked."""


class SharedCache:
    """``caches[name]`` with failures reported as :class:`CacheUnavailableError`, never raised as they came."""

    def __init__(self, name: str, *, retry_after: float = 10.0) -> None:
        self.name = name
        self.retry_after = retry_after
        self._failed_at: float | None = None
        self._state_lock = threading.Lock()

    @property
    def cache(self) -> BaseCache:
        # Django's cache objects are per thread (some clients are not thread-safe); b2sdk calls from
        # its worker threads too.
        return caches[self.name]

    @property
    def failing(self) -> bool:
        return self._failed_at is not None

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        failed_at = self._failed_at
        if failed_at is not None and time.monotonic() - failed_at < self.retry_after:
            raise CacheUnavailableError(self.name)
        try:
            with self._closing_connections_it_opens():
                result = getattr(self.cache, method)(*args, **kwargs)
        except Exception as exc:
            self._failed(exc)
            raise CacheUnavailableError(self.name) from exc
        if failed_at is not None:
            self._recovered()
        return result

    @contextlib.contextmanager
    def _closing_connections_it_opens(self) -> Iterator[None]:
        """With a DatabaseCache, close a database connection that this call opened.

        b2sdk reads the account info from its own worker threads, which Django never closes
        connections for: left open, each would hold a database connection for the life of the process.
        A connection the thread already had (a request's) is left alone.
        """
        if not isinstance(self.cache, BaseDatabaseCache):
            yield
            return
        model = self.cache.cache_model_class
        aliases = {router.db_for_read(model), router.db_for_write(model)}
        had = {alias for alias in aliases if connections[alias].connection is not None}
        try:
            yield
        finally:
            for alias in aliases - had:
                connection = connections[alias]
                if not connection.in_atomic_block:
                    connection.close()

    def _failed(self, exc: Exception) -> None:
        with self._state_lock:
            first = self._failed_at is None
            self._failed_at = time.monotonic()
        if first:
            # Only the exception's type: messages of database errors can quote the values written,
            # and those include the auth token.
            logger.warning(
                "django-backblaze-b2: the cache %r failed (%s); using this process's copy of the B2 "
                "authorization and trying the cache again every %g s. Check that the cache's server is "
                "up (for a DatabaseCache, that `manage.py createcachetable` was run).",
                self.name,
                type(exc).__name__,
                self.retry_after,
            )

    def _recovered(self) -> None:
        with self._state_lock:
            was_failing = self._failed_at is not None
            self._failed_at = None
        if was_failing:
            logger.warning("django-backblaze-b2: the cache %r works again.", self.name)

    def get(self, key: str) -> Any:
        return self._call("get", key)

    def set(self, key: str, value: Any, timeout: float | None) -> None:
        self._call("set", key, value, timeout=timeout)

    def add(self, key: str, value: Any, timeout: float | None) -> bool:
        return bool(self._call("add", key, value, timeout=timeout))

    def delete(self, key: str) -> None:
        self._call("delete", key)

    def once(
        self,
        lock_key: str,
        done: Callable[[], T | None],
        work: Callable[[], T],
        *,
        lock_timeout: int,
        wait: float,
        poll: float = 0.05,
    ) -> T:
        """``done()``'s result if there is one, else ``work()``'s, run by one process at a time.

        A process that finds the lock taken polls ``done()`` until the holder's result shows up. A dead
        holder cannot block anyone: after ``wait`` seconds the others do the work themselves, and the
        lock expires after ``lock_timeout``. Without a working cache each process works on its own.
        """
        deadline = time.monotonic() + wait
        release: Callable[[], None] | None = None
        while True:
            result = done()
            if result is not None:
                return result
            try:
                release = self._try_lock(lock_key, lock_timeout)
            except CacheUnavailableError:
                break
            if release is not None or time.monotonic() >= deadline:
                break
            time.sleep(poll)
        try:
            if release is not None:
                # The previous holder may have finished between our last look and taking the lock.
                result = done()
                if result is not None:
                    return result
            return work()
        finally:
            if release is not None:
                release()

    def _try_lock(self, lock_key: str, timeout: int) -> Callable[[], None] | None:
        """Take the lock if free: returns how to release it, or None when another holder has it."""
        try:
            path = self._lock_path(lock_key) if isinstance(self.cache, FileBasedCache) else None
        except Exception as exc:
            raise CacheUnavailableError(self.name) from exc
        if path is not None:
            return _try_file_lock(path)
        token = uuid.uuid4().hex
        if not self.add(lock_key, token, timeout):
            return None

        def release() -> None:
            # Not atomic, but deleting a lock that expired and was taken by another process costs at
            # most one more run of the work somewhere.
            try:
                if self.get(lock_key) == token:
                    self.delete(lock_key)
            except CacheUnavailableError:
                pass  # the lock expires by itself

        return release

    def _lock_path(self, lock_key: str) -> Path:
        # FileBasedCache's add() checks, then writes: not atomic. Its directory is on this machine, so
        # an OS file lock (released by the OS if the holder dies) does the job instead.
        name = hashlib.sha256(self.cache.make_key(lock_key).encode()).hexdigest()[:32]
        return Path(settings.CACHES[self.name]["LOCATION"]).resolve() / f"{name}.lock"


def _try_file_lock(path: Path) -> Callable[[], None] | None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        f = path.open("a+b")
    except OSError as exc:
        raise CacheUnavailableError(str(path)) from exc
    if not locks.lock(f, locks.LOCK_EX | locks.LOCK_NB):
        f.close()
        return None

    def release() -> None:
        locks.unlock(f)
        f.close()

    return release
