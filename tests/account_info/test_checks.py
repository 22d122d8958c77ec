"""System checks on the cache that holds the B2 authorization: run by `manage.py check`, offline."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import CheckMessage, Tags, run_checks

from django_backblaze_b2.testing import SimulatedB2

LOCMEM = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "checks"}
DUMMY = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
REDIS = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/0"}
DATABASE = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "b2_cache"}
FILES = {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": "/tmp/b2-cache"}
DEFAULT = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"}


@pytest.fixture
def production(settings: Any) -> Any:
    """A deployment's settings: real credentials (never used: checks stay offline), DEBUG off."""
    settings.DEBUG = False
    settings.BACKBLAZE_CONFIG = {
        "bucket": "media",
        "application_key_id": "key-id-not-used",
        "application_key": "key-not-used",
        "account_info": {"type": "django-cache", "cache": "b2"},
    }
    return settings


def account_info_messages() -> list[CheckMessage]:
    return [m for m in run_checks(tags=[Tags.caches]) if m.id and m.id.startswith("django_backblaze_b2.")]


def ids(messages: list[CheckMessage]) -> list[str]:
    return [str(m.id) for m in messages]


def test_a_per_process_cache_in_production_warns_and_says_what_to_use(production: Any, b2: SimulatedB2) -> None:
    production.CACHES = {"default": DEFAULT, "b2": LOCMEM}

    [message] = account_info_messages()

    assert message.id == "django_backblaze_b2.W041"
    assert "'b2'" in message.msg and "LocMemCache" in message.msg and "each worker process" in message.msg
    assert "Redis" in str(message.hint)
    assert b2.calls.total == 0  # offline


def test_a_dummy_cache_warns_that_it_stores_nothing(production: Any) -> None:
    production.CACHES = {"default": DEFAULT, "b2": DUMMY}

    [message] = account_info_messages()

    assert message.id == "django_backblaze_b2.W041"
    assert "stores nothing" in message.msg


def test_a_per_process_cache_is_fine_while_debugging(production: Any) -> None:
    production.DEBUG = True
    production.CACHES = {"default": DEFAULT, "b2": LOCMEM}

    assert account_info_messages() == []


def test_a_cache_missing_from_caches_is_an_error_naming_it(production: Any) -> None:
    production.CACHES = {"default": DEFAULT}

    [message] = account_info_messages()

    assert message.id == "django_backblaze_b2.E040"
    assert "'b2'" in message.msg and "settings.CACHES" in message.msg
    assert "CACHES['b2']" in str(message.hint)


def test_the_default_cache_name_must_exist_too(production: Any) -> None:
    del production.BACKBLAZE_CONFIG["account_info"]
    production.CACHES = {"default": DEFAULT}

    assert ids(account_info_messages()) == ["django_backblaze_b2.E040"]
    assert "'django-backblaze-b2'" in account_info_messages()[0].msg


@pytest.mark.parametrize("config", [DATABASE, FILES], ids=["database", "files"])
def test_shared_caches_pass(production: Any, config: dict[str, Any]) -> None:
    production.CACHES = {"default": DEFAULT, "b2": config}

    assert account_info_messages() == []


def test_redis_without_socket_timeouts_warns(production: Any) -> None:
    production.CACHES = {"default": DEFAULT, "b2": REDIS}

    [message] = account_info_messages()

    assert message.id == "django_backblaze_b2.W042"
    assert "socket_timeout" in str(message.hint)


def test_redis_with_socket_timeouts_passes(production: Any) -> None:
    timeouts = {"socket_connect_timeout": 1, "socket_timeout": 1}
    production.CACHES = {"default": DEFAULT, "b2": {**REDIS, "OPTIONS": timeouts}}

    assert account_info_messages() == []


def test_a_storage_in_storages_with_its_own_account_info_is_checked(production: Any) -> None:
    production.CACHES = {"default": DEFAULT, "b2": DATABASE, "local": LOCMEM}
    production.STORAGES = {
        **production.STORAGES,
        "media": {
            "BACKEND": "django_backblaze_b2.BackblazeB2Storage",
            "OPTIONS": {"account_info": {"type": "django-cache", "cache": "local"}},
        },
    }

    [message] = account_info_messages()

    assert message.id == "django_backblaze_b2.W041"
    assert message.msg.startswith("STORAGES['media']")


@pytest.mark.parametrize(
    "account_info",
    [{"type": "memory"}, {"type": "sqlite", "database_path": "/tmp/b2.sqlite"}],
    ids=["memory", "sqlite"],
)
def test_b2sdks_own_stores_are_not_about_caches(production: Any, account_info: dict[str, str]) -> None:
    production.CACHES = {"default": DEFAULT}
    production.BACKBLAZE_CONFIG = {**production.BACKBLAZE_CONFIG, "account_info": account_info}

    assert account_info_messages() == []


def test_the_simulated_b2_needs_no_shared_cache(production: Any) -> None:
    production.CACHES = {"default": DEFAULT, "b2": LOCMEM}
    production.BACKBLAZE_CONFIG = {**production.BACKBLAZE_CONFIG, "simulator": True}

    assert account_info_messages() == []


def test_invalid_options_are_left_to_the_storage_to_report(production: Any) -> None:
    production.CACHES = {"default": DEFAULT, "b2": LOCMEM}
    production.BACKBLAZE_CONFIG = {**production.BACKBLAZE_CONFIG, "no_such_option": 1}

    assert account_info_messages() == []
