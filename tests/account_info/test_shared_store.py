"""Processes share one B2 authorization and one bucket table through the Django cache.

Each test runs on LocMem, FileBased, Redis and PostgreSQL (DatabaseCache) caches. The simulated B2
lives in this process, so a "process" here is a separate connection whose only link to the others is
the cache (the multi-process tests do the same with real processes and the local B2 server).
"""

from __future__ import annotations

from typing import Any

import pytest

from django_backblaze_b2.testing import SimulatedB2

from .backends import CacheUnderTest
from .helpers import StandInProcess, in_threads, new_process, save_and_read_back, store_of


@pytest.fixture
def bucket(b2: SimulatedB2) -> str:
    b2.create_bucket("django")
    return "django"


def test_later_processes_reuse_the_first_ones_authorization_and_bucket_id(
    cache_backend: CacheUnderTest, b2: SimulatedB2, bucket: str
) -> None:
    assert save_and_read_back(new_process(), "first.txt", b"first")
    assert (b2.calls["b2_authorize_account"], b2.calls["b2_list_buckets"]) == (1, 1)

    for i in range(3):
        assert save_and_read_back(new_process(), f"later-{i}.txt", b"later")

    assert (b2.calls["b2_authorize_account"], b2.calls["b2_list_buckets"]) == (1, 1)


def test_processes_starting_together_authorize_once(
    cache_backend: CacheUnderTest, b2: SimulatedB2, bucket: str
) -> None:
    processes = [StandInProcess() for _ in range(6)]

    results = in_threads(6, lambda i: processes[i].round_trip(f"p{i}.txt", b"x" * i))

    assert results == [True] * 6
    assert b2.calls["b2_authorize_account"] == 1
    assert b2.calls["b2_list_buckets"] == 1


def test_evicted_entries_cost_no_authorization_and_are_put_back(
    cache_backend: CacheUnderTest, b2: SimulatedB2, bucket: str
) -> None:
    storage = new_process()
    assert save_and_read_back(storage, "before.txt", b"before")
    store = store_of(storage)
    store.reread_after = 0  # look at the cache on every read, to see the eviction at once

    cache_backend.evict_all()
    assert cache_backend.cache.get(store.auth_key) is None

    assert save_and_read_back(storage, "after.txt", b"after")
    assert b2.calls["b2_authorize_account"] == 1
    assert b2.calls["b2_list_buckets"] == 1
    # Put back for the processes that have no copy of their own.
    assert cache_backend.cache.get(store.auth_key)["auth_token"] == store.get_account_auth_token()
    assert save_and_read_back(new_process(), "new-process.txt", b"new")
    assert b2.calls["b2_authorize_account"] == 1


def test_after_a_flush_new_processes_authorize_once_between_them(
    cache_backend: CacheUnderTest, b2: SimulatedB2, bucket: str
) -> None:
    assert save_and_read_back(new_process(), "before.txt", b"before")
    cache_backend.evict_all()

    processes = [StandInProcess() for _ in range(5)]
    results = in_threads(5, lambda i: processes[i].round_trip(f"after-{i}.txt", b"after"))

    assert results == [True] * 5
    assert b2.calls["b2_authorize_account"] == 2
    assert b2.calls["b2_list_buckets"] == 2


def test_an_expired_token_is_replaced_once_for_every_process(
    cache_backend: CacheUnderTest, b2: SimulatedB2, bucket: str
) -> None:
    processes = [StandInProcess() for _ in range(4)]
    for i, process in enumerate(processes):
        assert process.round_trip(f"warm-{i}.txt", b"warm")
    assert b2.calls["b2_authorize_account"] == 1
    token = processes[0].store.get_account_auth_token()

    b2.raw.expire_auth_token(token)
    # Four processes with three threads each meet the expired token at the same moment.
    results = in_threads(12, lambda i: processes[i % 4].round_trip(f"after-{i}.txt", b"after"))

    assert results == [True] * 12
    assert b2.calls["b2_authorize_account"] == 2
    assert {p.store.get_account_auth_token() for p in processes} == {
        cache_backend.cache.get(p.store.auth_key)["auth_token"] for p in processes
    }
    assert processes[0].store.get_account_auth_token() != token


def test_re_authorizing_keeps_the_shared_bucket_table(
    cache_backend: CacheUnderTest, b2: SimulatedB2, bucket: str
) -> None:
    first = StandInProcess()
    assert first.round_trip("a.txt", b"a")
    b2.raw.expire_auth_token(first.store.get_account_auth_token())
    assert first.round_trip("b.txt", b"b")
    assert b2.calls["b2_authorize_account"] == 2

    assert StandInProcess().round_trip("c.txt", b"c")

    assert b2.calls["b2_list_buckets"] == 1


def test_neither_the_application_key_nor_its_id_reaches_the_cache(
    cache_backend: CacheUnderTest, b2: SimulatedB2, bucket: str
) -> None:
    # A restricted key: with the account's master key, the key id is the account id, which B2
    # hands to every token holder and the store must keep.
    key = b2.api().create_key(["listBuckets", "listFiles", "readFiles", "writeFiles", "deleteFiles"], "django")
    b2.key_id, b2.key = key.id_, key.application_key
    processes = [StandInProcess() for _ in range(2)]
    for i, process in enumerate(processes):
        assert process.round_trip(f"{i}.txt", b"data")
    b2.raw.expire_auth_token(processes[0].store.get_account_auth_token())
    assert processes[1].round_trip("expired.txt", b"data")

    dumped = cache_backend.dump()

    everything = b"\n".join(k + b"\n" + v for k, v in dumped)
    assert processes[1].store.get_account_auth_token().encode() in everything  # the dump sees the store
    assert key.application_key.encode() not in everything
    assert key.id_.encode() not in everything


def test_entries_of_others_in_the_same_cache_survive(
    cache_backend: CacheUnderTest, b2: SimulatedB2, bucket: str
) -> None:
    cache = cache_backend.cache
    cache.set("session:abc", {"user": 1}, None)
    process = StandInProcess()
    assert process.round_trip("a.txt", b"a")
    b2.raw.expire_auth_token(process.store.get_account_auth_token())
    assert process.round_trip("b.txt", b"b")

    process.store.clear()

    assert cache.get("session:abc") == {"user": 1}
    assert cache.get(process.store.auth_key) is None


@pytest.fixture
def two_versions(settings: Any, redis_url: str) -> tuple[str, str]:
    prefix = f"versions-{id(settings)}"
    base = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url, "KEY_PREFIX": prefix}
    settings.CACHES = {**settings.CACHES, "v1": {**base, "VERSION": 1}, "v2": {**base, "VERSION": 2}}
    return "v1", "v2"


def test_cache_version_and_key_prefix_keep_deployments_apart(
    settings: Any, two_versions: tuple[str, str], b2: SimulatedB2, bucket: str
) -> None:
    import redis

    for alias in two_versions:
        settings.BACKBLAZE_CONFIG = {
            **settings.BACKBLAZE_CONFIG,
            "account_info": {"type": "django-cache", "cache": alias},
        }
        assert save_and_read_back(new_process(), f"{alias}.txt", alias.encode())

    # Two cache versions are two deployments: each authorized once, neither saw the other's entries.
    assert b2.calls["b2_authorize_account"] == 2
    client = redis.Redis.from_url(settings.CACHES["v1"]["LOCATION"])
    prefix = settings.CACHES["v1"]["KEY_PREFIX"]
    keys = sorted(k.decode() for k in client.scan_iter(match=f"{prefix}:*"))
    assert keys and all(
        k.startswith((f"{prefix}:1:django-backblaze-b2:v1:", f"{prefix}:2:django-backblaze-b2:v1:")) for k in keys
    )
    for key in keys:
        client.delete(key)


def test_a_public_buckets_type_is_learnt_once_for_every_process(
    settings: Any, cache_backend: CacheUnderTest, b2: SimulatedB2
) -> None:
    from django_backblaze_b2.storages import PublicStorage

    specific = {**settings.BACKBLAZE_CONFIG.get("specific_bucket_names", {}), "public": "public-files"}
    settings.BACKBLAZE_CONFIG = {**settings.BACKBLAZE_CONFIG, "specific_bucket_names": specific}
    b2.create_bucket("public-files", "allPublic")
    urls = set()
    for _ in range(3):
        new_process()
        urls.add(PublicStorage().url("a.txt"))

    assert len(urls) == 1 and urls.pop().endswith("/file/public-files/a.txt")  # B2's own URL, not the proxy
    assert b2.calls["b2_list_buckets"] == 1  # bucket id and type, for all three processes
    assert b2.calls["b2_authorize_account"] == 1


def test_an_older_authorization_in_the_cache_does_not_replace_a_newer_one(
    cache_backend: CacheUnderTest, b2: SimulatedB2, bucket: str
) -> None:
    # As after a cache blip: this process's write was lost and the cache still holds an older token.
    process = StandInProcess()
    assert process.round_trip("a.txt", b"a")
    process.store.reread_after = 0
    cache = cache_backend.cache
    current = cache.get(process.store.auth_key)
    older = {**current, "auth_token": "an-older-token", "authorized_at": current["authorized_at"] - 60}
    cache.set(process.store.auth_key, older, 60)

    assert process.round_trip("b.txt", b"b")

    assert b2.calls["b2_authorize_account"] == 1
    assert cache.get(process.store.auth_key)["auth_token"] == current["auth_token"]


@pytest.mark.parametrize("cache_backend", ["locmem", "redis", "postgres"], indirect=True)
def test_a_lock_left_by_a_dead_process_blocks_nobody(
    cache_backend: CacheUnderTest, b2: SimulatedB2, bucket: str
) -> None:
    process = StandInProcess()
    process.store.lock_wait = 0.3  # seconds to wait for the holder (5 by default)
    # A process took the lock to authorize, then died.
    assert cache_backend.cache.add(process.store.auth_lock_key, "held by a dead process", 30)

    assert process.round_trip("a.txt", b"a")

    assert b2.calls["b2_authorize_account"] == 1
    assert cache_backend.cache.get(process.store.auth_lock_key) == "held by a dead process"  # not ours to delete
