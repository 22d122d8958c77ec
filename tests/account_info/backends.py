"""The Django cache backends the store is proven on, each able to show everything it holds.

``dump()`` reads the cache's storage directly (Redis keys, the database table, the files, the
process dict), not through Django, so a test can look for secrets in exactly what an operator with
access to the cache server would see.
"""

from __future__ import annotations

import base64
import pickle
import zlib
from pathlib import Path
from typing import Any

from django.core.cache import BaseCache, caches

CACHE_ALIAS = "b2-account-info"


class CacheRouter:
    """Sends Django's cache model to the test's PostgreSQL connection."""

    def __init__(self, alias: str) -> None:
        self.alias = alias

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return self.alias if model._meta.app_label == "django_cache" else None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return self.alias if model._meta.app_label == "django_cache" else None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        if app_label == "django_cache":
            return db == self.alias
        return None


class CacheUnderTest:
    """One configured cache: its ``CACHES`` entry and a raw view of its contents."""

    kind = ""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config

    @property
    def cache(self) -> BaseCache:
        return caches[CACHE_ALIAS]

    def dump(self) -> list[tuple[bytes, bytes]]:
        """Every (key, value) stored, values as raw bytes followed by the repr of what they unpickle to."""
        raise NotImplementedError

    def evict_all(self) -> None:
        """Lose every entry, as eviction or a flush would, without going through this library."""
        raise NotImplementedError

    @staticmethod
    def _readable(raw: bytes) -> bytes:
        try:
            return raw + b"\n" + repr(pickle.loads(raw)).encode()
        except Exception:
            return raw


class LocMem(CacheUnderTest):
    kind = "locmem"

    def dump(self) -> list[tuple[bytes, bytes]]:
        store = self.cache._cache  # type: ignore[attr-defined]
        return [(key.encode(), self._readable(value)) for key, value in list(store.items())]

    def evict_all(self) -> None:
        self.cache.clear()  # a LocMemCache of this test's own


class FileBased(CacheUnderTest):
    kind = "filebased"

    def dump(self) -> list[tuple[bytes, bytes]]:
        found = []
        for path in Path(self.config["LOCATION"]).glob("*.djcache"):
            with path.open("rb") as f:
                pickle.load(f)
                value = zlib.decompress(f.read())
            found.append((path.name.encode(), self._readable(value)))
        return found

    def evict_all(self) -> None:
        for path in Path(self.config["LOCATION"]).glob("*.djcache"):
            path.unlink()


class Redis(CacheUnderTest):
    kind = "redis"

    def client(self) -> Any:
        import redis

        return redis.Redis.from_url(self.config["LOCATION"])

    def dump(self) -> list[tuple[bytes, bytes]]:
        client = self.client()
        found = []
        for key in client.scan_iter(match=f"{self.config['KEY_PREFIX']}:*"):
            value = client.get(key)
            if value is not None:
                found.append((key, self._readable(value)))
        return found

    def evict_all(self) -> None:
        # Only this test's keys: the shared Redis holds other people's data.
        client = self.client()
        for key in client.scan_iter(match=f"{self.config['KEY_PREFIX']}:*"):
            client.delete(key)


class Database(CacheUnderTest):
    kind = "postgres"

    def __init__(self, config: dict[str, Any], connect: Any) -> None:
        super().__init__(config)
        self.connect = connect

    def rows(self) -> list[tuple[str, str]]:
        with self.connect() as conn:
            return [tuple(row) for row in conn.execute(f'SELECT cache_key, value FROM "{self.config["LOCATION"]}"')]

    def drop_table(self) -> None:
        with self.connect() as conn:
            conn.execute(f'DROP TABLE "{self.config["LOCATION"]}"')

    def evict_all(self) -> None:
        with self.connect() as conn:
            conn.execute(f'DELETE FROM "{self.config["LOCATION"]}"')

    def dump(self) -> list[tuple[bytes, bytes]]:
        return [(key.encode(), self._readable(base64.b64decode(value))) for key, value in self.rows()]
