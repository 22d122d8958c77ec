"""The Django-cache account info: shared, namespaced, secret-free, and it survives losing its entries."""

from __future__ import annotations

import pickle

from django.core.cache import caches
from django.core.files.base import ContentFile

from django_backblaze_b2 import BackblazeB2Storage
from django_backblaze_b2.cache_account_info import DjangoCacheAccountInfo
from django_backblaze_b2.connection import connection_for, forget_connections
from django_backblaze_b2.testing import SimulatedB2


def cache_contents() -> dict[str, object]:
    cache = caches["django-backblaze-b2"]
    return {key: pickle.loads(value) for key, value in cache._cache.items()}  # type: ignore[attr-defined]


def test_storages_use_the_django_cache_store() -> None:
    storage = BackblazeB2Storage()
    assert isinstance(connection_for(storage.options).account_info, DjangoCacheAccountInfo)


def test_application_key_is_never_cached(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage()
    storage.save("a.txt", ContentFile(b"x"))
    dumped = repr(cache_contents())
    assert b2.key not in dumped
    assert "auth_token" in dumped  # the token is what processes share


def test_keys_are_namespaced_and_other_entries_survive(b2: SimulatedB2) -> None:
    cache = caches["django-backblaze-b2"]
    cache.set("sessions-of-the-app", "keep me")
    BackblazeB2Storage().exists("a.txt")
    for key in cache_contents():
        assert key.startswith(":1:django-backblaze-b2:v1:") or key == ":1:sessions-of-the-app"
    connection_for(BackblazeB2Storage().options).account_info.clear()
    assert cache.get("sessions-of-the-app") == "keep me"  # never clears a cache it does not own


def test_a_second_process_reuses_the_shared_authorization(b2: SimulatedB2) -> None:
    BackblazeB2Storage().exists("a.txt")
    forget_connections()  # as if another process started with the same cache
    BackblazeB2Storage().exists("a.txt")
    assert b2.calls["b2_authorize_account"] == 1
    assert b2.calls["b2_list_buckets"] == 1  # the bucket id is shared too


def test_evicted_entries_are_recovered_without_authorizing_again(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage()
    storage.save("a.txt", ContentFile(b"x"))
    caches["django-backblaze-b2"].clear()  # eviction, a flush, a restart of the cache server
    assert storage.exists("a.txt")
    storage.save("b.txt", ContentFile(b"y"))
    assert storage.open("b.txt").read() == b"y"
    assert b2.calls["b2_authorize_account"] == 1  # the process's own copy carries on
    caches["django-backblaze-b2"].clear()
    forget_connections()  # a process without a copy authorizes
    assert BackblazeB2Storage().exists("b.txt")
    assert b2.calls["b2_authorize_account"] == 2


def test_expired_token_is_renewed(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage()
    storage.save("a.txt", ContentFile(b"x"))
    b2.expire_tokens()
    assert storage.listdir("") == ([], ["a.txt"])  # listing checks the token (the simulator's downloads don't)
    assert b2.calls["b2_authorize_account"] == 2


def test_an_expired_token_is_renewed_once_by_many_threads_with_the_memory_store() -> None:
    import threading

    from django_backblaze_b2.testing import simulated_b2

    with simulated_b2(served=True) as served:
        storage = BackblazeB2Storage(account_info={"type": "memory"})
        storage.save("a.txt", ContentFile(b"x"))
        served.expire_tokens()
        # Slow listings: every thread sends the expired token before any renewal comes back.
        served.server.faults.add_latency(0.3, api_name="b2_list_file_names")
        served.calls.clear()
        start = threading.Barrier(8)
        results: list[object] = []

        def list_files() -> None:
            start.wait()
            results.append(storage.listdir(""))

        threads = [threading.Thread(target=list_files) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == [([], ["a.txt"])] * 8
        assert served.calls["b2_authorize_account"] == 1  # b2sdk alone would authorize in each thread
