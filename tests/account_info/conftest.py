"""Real cache servers for the account-info tests: Redis and PostgreSQL.

The shared Redis on 127.0.0.1:6379 and PostgreSQL on 127.0.0.1:5432 are used when they answer;
otherwise a private ``redis-server`` is started, or the test is skipped with the reason. With
``CI=true`` nothing is skipped: a missing server fails the test. Tests that stop or flush Redis always
use a private server (:func:`own_redis`), never the shared one.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from .backends import CACHE_ALIAS, CacheRouter, CacheUnderTest, Database, FileBased, LocMem, Redis

SHARED_REDIS = ("127.0.0.1", 6379)
POSTGRES: dict[str, Any] = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "dbname": "postgres"}


def unavailable(reason: str) -> None:
    """Skip, or fail in CI where every server must be there."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: these tests must run)")
    pytest.skip(reason)


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A private ``redis-server`` (no persistence) that a test may stop and start again on its port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not _answers("127.0.0.1", self.port):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed")
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The shared Redis when it runs, else a private one for the session."""
    if _answers(*SHARED_REDIS):
        yield "redis://{}:{}/0".format(*SHARED_REDIS)
        return
    if shutil.which("redis-server") is None:
        unavailable("no Redis on 127.0.0.1:6379 and redis-server is not installed")
    server = RedisServer()
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@dataclass(frozen=True)
class PostgresDatabase:
    name: str

    def django_settings(self) -> dict[str, Any]:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": self.name,
            "USER": POSTGRES["user"],
            "HOST": POSTGRES["host"],
            "PORT": POSTGRES["port"],
        }

    def connect(self) -> Any:
        import psycopg

        return psycopg.connect(**{**POSTGRES, "dbname": self.name}, autocommit=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresDatabase]:
    """A database of its own on the PostgreSQL at 127.0.0.1:5432, dropped at the end."""
    import psycopg

    def admin(sql: str) -> None:
        with psycopg.connect(**POSTGRES, autocommit=True, connect_timeout=3) as conn:
            conn.execute(sql)

    database = PostgresDatabase(f"b2_account_info_{uuid.uuid4().hex[:10]}")
    try:
        admin(f'CREATE DATABASE "{database.name}"')
    except psycopg.OperationalError as exc:
        unavailable(f"no PostgreSQL on 127.0.0.1:5432 with trust auth for 'postgres' ({type(exc).__name__})")
    try:
        yield database
    finally:
        admin(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')


PG_ALIAS = "b2_account_info"


@pytest.fixture(params=["locmem", "filebased", "redis", "postgres"])
def cache_backend(request: pytest.FixtureRequest, settings: Any, tmp_path: Any) -> Iterator[CacheUnderTest]:
    """Storages keep their authorization in a fresh cache of each kind (LocMem, files, Redis, PostgreSQL)."""
    kind = request.param
    unique = uuid.uuid4().hex[:10]
    backend: CacheUnderTest
    if kind == "locmem":
        backend = LocMem({"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": unique})
    elif kind == "filebased":
        backend = FileBased(
            {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path / "cache")}
        )
    elif kind == "redis":
        url = request.getfixturevalue("redis_url")
        backend = Redis(
            {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url, "KEY_PREFIX": f"t{unique}"}
        )
    else:
        database = request.getfixturevalue("postgres")
        backend = Database(
            {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": f"b2_cache_{unique}"},
            database.connect,
        )
    with ExitStack() as cleanup:
        if kind == "postgres":
            cleanup.enter_context(_postgres_connection(request, settings, request.getfixturevalue("postgres")))
        settings.CACHES = {**settings.CACHES, CACHE_ALIAS: backend.config}
        settings.BACKBLAZE_CONFIG = {
            **settings.BACKBLAZE_CONFIG,
            "account_info": {"type": "django-cache", "cache": CACHE_ALIAS},
        }
        if kind == "postgres":
            from django.core.management import call_command

            call_command("createcachetable", database=PG_ALIAS)
            cleanup.callback(_drop_table, database.connect, backend.config["LOCATION"])
        yield backend


@contextmanager
def _postgres_connection(request: pytest.FixtureRequest, settings: Any, database: PostgresDatabase) -> Iterator[None]:
    """A Django connection to the test's PostgreSQL database, with the cache model routed to it."""
    from django.db import connections

    blocker = request.getfixturevalue("django_db_blocker")
    configured = connections.configure_settings(
        {"default": dict(connections.settings["default"]), PG_ALIAS: database.django_settings()}
    )
    connections.settings[PG_ALIAS] = configured[PG_ALIAS]
    settings.DATABASE_ROUTERS = [CacheRouter(PG_ALIAS)]
    with blocker.unblock():
        try:
            yield
        finally:
            for conn in connections.all(initialized_only=True):
                if conn.alias == PG_ALIAS:
                    conn.close()
            del connections.settings[PG_ALIAS]


def _drop_table(connect: Any, table: str) -> None:
    with connect() as conn:
        conn.execute(f'DROP TABLE IF EXISTS "{table}"')
