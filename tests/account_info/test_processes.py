"""A deployment of several worker processes, each with request threads, on the local B2 server.

Every worker is a spawned Python process with its own Django; they share only the cache (and the
B2 server, which counts calls by B2 API name). Three phases, all workers starting each one together:
a cold start, then the same after B2 expired every token, then after the cache lost every entry.
"""

from __future__ import annotations

import multiprocessing
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from b2sdk.v2 import B2Api, InMemoryAccountInfo

from django_backblaze_b2.testing.server import LocalB2Server

from .backends import CACHE_ALIAS, CacheUnderTest
from .conftest import PG_ALIAS
from .workers import SEED, Deployment, run

WORKERS = 4
REQUESTS = 60  # per worker and phase, over two request threads; every fourth one saves a file
PHASES = ["cold start", "tokens expired", "cache entries lost"]
TIMEOUT = 120


@pytest.fixture
def server() -> Iterator[LocalB2Server]:
    with LocalB2Server() as server:
        yield server


class Key:
    """A non-master application key for the workers (a master key's id is the account id)."""

    def __init__(self, server: LocalB2Server) -> None:
        api = B2Api(InMemoryAccountInfo())
        api.authorize_account(server.realm, server.key_id, server.key)
        self.bucket = f"deploy-{uuid.uuid4().hex[:12]}"
        api.create_bucket(self.bucket, "allPrivate").upload_bytes(SEED, "shared/seed.txt")
        capabilities = ["listBuckets", "listFiles", "readFiles", "writeFiles", "deleteFiles", "shareFiles"]
        full = api.create_key(capabilities, "workers")
        self.id, self.secret = full.id_, full.application_key
        server.reset()


def deployment(
    server: LocalB2Server, key: Key, caches: dict[str, Any], account_info: dict[str, str], **extra: Any
) -> Deployment:
    return Deployment(
        realm=server.realm,
        key_id=key.id,
        key=key.secret,
        bucket=key.bucket,
        caches={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}, **caches},
        account_info=account_info,
        **extra,
    )


def worker_context() -> Any:
    """Fresh processes, not forks of this one (its Django is configured for the tests), started from
    a fork server that has imported the heavy modules once for the whole test session."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.account_info.workers", "django_backblaze_b2.storage", "redis", "psycopg"])
    return context


def run_deployment(
    server: LocalB2Server, config: Deployment, before_phase: Callable[[str], None], phases: list[str] = PHASES
) -> tuple[list[dict[str, Any]], list[dict[str, int]]]:
    """Run the workers through the phases; the workers' reports and the B2 calls counted in each phase.

    Fails unless every request of every worker succeeded and every file saved reads back intact.
    """
    context = worker_context()
    barrier = context.Barrier(WORKERS + 1)
    results = context.Queue()
    processes = [
        context.Process(target=run, args=(config, i, [REQUESTS] * len(phases), barrier, results), daemon=True)
        for i in range(WORKERS)
    ]
    for process in processes:
        process.start()
    per_phase: list[dict[str, int]] = []
    try:
        for phase in phases:
            before_phase(phase)
            before = server.calls.as_dict()
            barrier.wait(timeout=TIMEOUT)  # go
            barrier.wait(timeout=TIMEOUT)  # done
            after = server.calls.as_dict()
            per_phase.append({name: after.get(name, 0) - before.get(name, 0) for name in after})
    except threading.BrokenBarrierError:
        pass  # a worker failed: its report says why
    reports = [results.get(timeout=TIMEOUT) for _ in processes]
    for process in processes:
        process.join(timeout=TIMEOUT)
    for report in reports:
        assert report["failures"] == [], report["failures"][0]
        assert report["corrupt"] == []
        assert report["saved"] == len(phases) * REQUESTS // 4
    assert len(per_phase) == len(phases)
    return sorted(reports, key=lambda r: int(r["worker"])), per_phase


def worker_caches(cache_backend: CacheUnderTest) -> tuple[dict[str, Any], dict[str, Any]]:
    """The workers' CACHES and DATABASES for the cache the test set up (the same server, table or directory)."""
    databases: dict[str, Any] = {}
    if cache_backend.kind == "postgres":
        from django.db import connections

        databases = {"default": dict(connections.settings[PG_ALIAS])}
    return {CACHE_ALIAS: cache_backend.config}, databases


@pytest.mark.slow
@pytest.mark.parametrize("cache_backend", ["redis", "postgres", "filebased"], indirect=True)
def test_a_deployment_authorizes_about_once_and_survives_expiry_and_eviction(
    cache_backend: CacheUnderTest, server: LocalB2Server
) -> None:
    key = Key(server)
    caches, databases = worker_caches(cache_backend)
    config = deployment(server, key, caches, {"type": "django-cache", "cache": CACHE_ALIAS}, databases=databases)

    dumped: list[bytes] = []

    def before_phase(phase: str) -> None:
        if phase == "tokens expired":
            server.faults.expire_tokens()
        if phase == "cache entries lost":
            dumped.append(b"\n".join(k + b"\n" + v for k, v in cache_backend.dump()))
            cache_backend.evict_all()

    _, calls = run_deployment(server, config, before_phase)

    cold, expired, lost = calls
    # 4 workers x 2 threads x 60 requests per phase: one authorization and one bucket lookup for all
    # (a second only if a worker waited more than LOCK_WAIT seconds for the first; without the shared
    # cache it would be one per worker, see the LocMem test).
    assert cold["b2_authorize_account"] <= 2, cold
    assert cold.get("b2_list_buckets", 0) <= 2, cold
    # Every token expired: one worker authorizes again, the others take its token from the cache.
    assert 1 <= expired["b2_authorize_account"] <= 2, expired
    # The cache lost everything: each worker carries on with its copy and puts it back.
    assert lost.get("b2_authorize_account", 0) == 0, lost
    assert lost.get("b2_list_buckets", 0) == 0, lost
    # And the cache, as it was after two phases, held neither the application key nor its id.
    [everything] = dumped
    assert b"auth_token" in everything
    assert key.secret.encode() not in everything and key.id.encode() not in everything


@pytest.mark.slow
@pytest.mark.parametrize("cache_backend", ["locmem"], indirect=True)
def test_a_per_process_cache_authorizes_once_per_process(cache_backend: CacheUnderTest, server: LocalB2Server) -> None:
    key = Key(server)
    caches, _ = worker_caches(cache_backend)
    config = deployment(server, key, caches, {"type": "django-cache", "cache": CACHE_ALIAS})

    def before_phase(phase: str) -> None:
        if phase == "tokens expired":
            server.faults.expire_tokens()

    _, calls = run_deployment(server, config, before_phase, ["cold start", "tokens expired"])

    cold, expired = calls
    # Once per process (not per thread or request): nothing is shared between processes.
    assert cold["b2_authorize_account"] == WORKERS, cold
    assert expired["b2_authorize_account"] == WORKERS, expired


@pytest.mark.slow
def test_sqlite_account_info_is_safe_across_processes(server: LocalB2Server, tmp_path: Any) -> None:
    key = Key(server)
    config = deployment(server, key, {}, {"type": "sqlite", "database_path": str(tmp_path / "b2-account.sqlite")})

    def before_phase(phase: str) -> None:
        if phase == "tokens expired":
            server.faults.expire_tokens()

    _, calls = run_deployment(server, config, before_phase, ["cold start", "tokens expired"])

    cold, expired = calls
    # b2sdk's own store shares the file, without a lock: at most every process authorizes.
    assert 1 <= cold["b2_authorize_account"] <= WORKERS, cold
    assert 1 <= expired["b2_authorize_account"] <= WORKERS * 2, expired
