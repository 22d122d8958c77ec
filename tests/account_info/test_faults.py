"""The cache misbehaves, tokens expire mid-flight: requests keep succeeding and files stay intact."""

from __future__ import annotations

import io
import logging
import os
import time
from typing import Any

import pytest
from django.core.cache import caches
from django.core.files.base import ContentFile, File

from django_backblaze_b2.proxy import views
from django_backblaze_b2.storage import BackblazeB2Storage
from django_backblaze_b2.storages import LoggedInStorage, PublicStorage
from django_backblaze_b2.testing import MB, SimulatedB2

from .backends import CACHE_ALIAS, CacheUnderTest, Database
from .conftest import RedisServer
from .helpers import StandInProcess, in_threads, new_process, sha1, store_of

RETRY_AFTER = 0.2  # seconds before a failed cache is tried again (10 s by default)


@pytest.fixture
def redis_cache(settings: Any, own_redis: RedisServer) -> RedisServer:
    """Storages keep the authorization in a private Redis that the test may stop."""
    timeouts = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    settings.CACHES = {
        **settings.CACHES,
        CACHE_ALIAS: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": own_redis.url,
            "OPTIONS": timeouts,
        },
    }
    settings.BACKBLAZE_CONFIG = {
        **settings.BACKBLAZE_CONFIG,
        "account_info": {"type": "django-cache", "cache": CACHE_ALIAS},
    }
    return own_redis


def body(response: Any) -> bytes:
    content: bytes = b"".join(response.streaming_content) if response.streaming else response.content
    response.close()
    return content


def cache_messages(caplog: pytest.LogCaptureFixture, text: str) -> int:
    return sum(1 for r in caplog.records if r.name == "django_backblaze_b2" and text in r.getMessage())


class Requests:
    """Saves of random files through one storage, remembering each file's SHA-1."""

    def __init__(self, storage: BackblazeB2Storage) -> None:
        self.storage = storage
        self.saved: dict[str, str] = {}
        self.failures: list[Exception] = []

    def run(self, count: int) -> None:
        for _ in range(count):
            data = os.urandom(1000 + len(self.saved))
            try:
                name = self.storage.save(f"f{len(self.saved)}.bin", ContentFile(data))
                self.saved[name] = sha1(data)
            except Exception as exc:
                self.failures.append(exc)

    def intact(self) -> bool:
        for name, digest in self.saved.items():
            with self.storage.open(name) as f:
                if sha1(f.read()) != digest:
                    return False
        return True


def test_redis_stopped_and_restarted_mid_run(
    redis_cache: RedisServer, b2: SimulatedB2, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="django_backblaze_b2")
    storage = new_process()
    requests = Requests(storage)
    requests.run(5)
    store = store_of(storage)
    store.shared.retry_after = RETRY_AFTER

    redis_cache.stop()
    requests.run(10)
    expire_while_down = store.get_account_auth_token()
    b2.expire_tokens()
    requests.run(5)  # the process replaces the token by itself while nobody can share it
    redis_cache.start()  # empty: it keeps nothing across restarts
    for _ in range(20):  # one request per retry interval until the cache is tried again
        requests.run(1)
        if caches[CACHE_ALIAS].get(store.auth_key) is not None:
            break
        time.sleep(RETRY_AFTER / 2)

    assert requests.failures == []
    assert len(requests.saved) >= 21 and requests.intact()
    assert b2.calls["b2_authorize_account"] == 2  # the first one, and the expired token's replacement
    assert cache_messages(caplog, "failed (ConnectionError)") == 1  # warned once for the outage
    assert cache_messages(caplog, "works again") == 1
    shared = caches[CACHE_ALIAS].get(store.auth_key)
    assert shared is not None and shared["auth_token"] != expire_while_down  # written back on recovery


def test_a_process_starting_while_redis_is_down_works_on_its_own(redis_cache: RedisServer, b2: SimulatedB2) -> None:
    assert StandInProcess().round_trip("before.txt", b"before")
    redis_cache.stop()

    processes = [StandInProcess() for _ in range(3)]
    results = in_threads(3, lambda i: processes[i].round_trip(f"during-{i}.txt", b"during"))

    assert results == [True] * 3
    # Nobody to coordinate with: each new process authorizes for itself.
    assert b2.calls["b2_authorize_account"] == 1 + 3


def test_threads_of_a_process_replace_an_expired_token_once_while_redis_is_down(
    redis_cache: RedisServer, b2: SimulatedB2
) -> None:
    process = StandInProcess()
    assert process.round_trip("warm.txt", b"warm")
    redis_cache.stop()
    b2.expire_tokens()

    results = in_threads(8, lambda i: process.round_trip(f"t{i}.txt", b"t"))

    assert results == [True] * 8
    assert b2.calls["b2_authorize_account"] == 2


def test_entries_deleted_mid_run_cost_nothing(cache_backend: CacheUnderTest, b2: SimulatedB2) -> None:
    storage = new_process()
    store_of(storage).reread_after = 0  # notice at once
    requests = Requests(storage)
    for _ in range(5):
        requests.run(3)
        cache_backend.evict_all()

    assert requests.failures == [] and requests.intact()
    assert b2.calls["b2_authorize_account"] == 1


class ExpiresTokensHalfway(io.BytesIO):
    """Upload content that makes B2 expire every token once half of it has been read."""

    def __init__(self, data: bytes, b2: SimulatedB2) -> None:
        super().__init__(data)
        self.halfway = len(data) // 2
        self.b2 = b2
        self.expired = False

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        if not self.expired and self.tell() >= self.halfway:
            self.expired = True
            self.b2.expire_tokens()
        return chunk


@pytest.mark.slow
@pytest.mark.parametrize("cache_backend", ["redis", "postgres"], indirect=True)
def test_token_expired_mid_upload(cache_backend: CacheUnderTest, small_parts_b2: SimulatedB2) -> None:
    storage = new_process()
    data = os.urandom(16 * MB)  # several parts with the small-part simulator
    content = ExpiresTokensHalfway(data, small_parts_b2)

    name = storage.save("large.bin", File(content, name="large.bin"))

    assert content.expired
    with storage.open(name) as f:
        assert sha1(f.read()) == sha1(data)
    assert small_parts_b2.calls["b2_authorize_account"] == 2
    assert small_parts_b2.calls["b2_upload_part"] >= 3


@pytest.mark.parametrize("cache_backend", ["postgres"], indirect=True)
def test_a_missing_cache_table_degrades_to_process_memory(
    cache_backend: Database, b2: SimulatedB2, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="django_backblaze_b2")
    cache_backend.drop_table()  # createcachetable was never run

    storage = new_process()
    requests = Requests(storage)
    requests.run(5)

    assert requests.failures == [] and requests.intact()
    assert b2.calls["b2_authorize_account"] == 1
    assert cache_messages(caplog, "createcachetable") == 1


def test_a_dummy_cache_still_works(settings: Any, b2: SimulatedB2) -> None:
    settings.CACHES = {**settings.CACHES, CACHE_ALIAS: {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    settings.BACKBLAZE_CONFIG = {
        **settings.BACKBLAZE_CONFIG,
        "account_info": {"type": "django-cache", "cache": CACHE_ALIAS},
    }
    requests = Requests(new_process())
    requests.run(5)
    assert StandInProcess().round_trip("second.txt", b"2")

    assert requests.failures == [] and requests.intact()
    assert b2.calls["b2_authorize_account"] == 2  # once per process: nothing is shared


@pytest.mark.django_db
def test_the_proxy_views_answer_200_while_redis_is_down(
    redis_cache: RedisServer, b2: SimulatedB2, client: Any, django_user_model: Any
) -> None:
    # The real routes (tests.urls includes django_backblaze_b2.urls): /b2/ for anyone, /b2l/ logged in.
    files = {
        f"/b2/{PublicStorage().save('report.txt', ContentFile(b'quarterly numbers'))}": b"quarterly numbers",
        f"/b2l/{LoggedInStorage().save('minutes.txt', ContentFile(b'board minutes'))}": b"board minutes",
    }
    client.force_login(django_user_model.objects.create_user("member"))
    assert [body(client.get(url)) for url in files] == list(files.values())
    store_of(views.route_storage(PublicStorage))  # the routes keep the authorization in Redis
    redis_cache.stop()

    during = {url: client.get(url) for url in files}
    ranged = {url: client.get(url, headers={"Range": "bytes=0-4"}) for url in files}
    new_process()  # and a process that starts during the outage
    fresh = {url: client.get(url) for url in files}

    for answers in (during, fresh):
        for url, response in answers.items():
            assert response.status_code == 200
            assert body(response) == files[url]
    for url, response in ranged.items():
        assert response.status_code == 206
        assert body(response) == files[url][:5]


def test_the_warning_about_a_failing_cache_holds_no_secret(
    redis_cache: RedisServer, b2: SimulatedB2, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="django_backblaze_b2")
    storage = new_process()
    Requests(storage).run(2)
    token = store_of(storage).get_account_auth_token()
    redis_cache.stop()
    b2.expire_tokens()
    Requests(storage).run(2)

    logged = "\n".join(record.getMessage() + str(record.exc_info) + str(record.args) for record in caplog.records)
    assert "failed (ConnectionError)" in logged
    for secret in (b2.key, token, store_of(storage).get_account_auth_token()):
        assert secret not in logged


def test_b2sdks_memory_store_still_works_and_renews_expired_tokens(settings: Any, b2: SimulatedB2) -> None:
    settings.BACKBLAZE_CONFIG = {**settings.BACKBLAZE_CONFIG, "account_info": {"type": "memory"}}
    requests = Requests(new_process())
    requests.run(3)
    b2.expire_tokens()
    requests.run(3)
    Requests(new_process()).run(1)

    assert requests.failures == [] and requests.intact()
    assert b2.calls["b2_authorize_account"] == 3  # first, after expiry, and the second process
