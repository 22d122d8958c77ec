"""System checks for where storages keep their B2 authorization. Offline: settings only, no B2 call.

- ``django_backblaze_b2.E040``: ``account_info`` names a cache that is not in ``settings.CACHES``
  (the storage would fail at first use).
- ``django_backblaze_b2.W041``: that cache cannot be shared between processes (``LocMemCache``,
  ``DummyCache``) and ``DEBUG`` is off: every worker process authorizes with B2 on its own.
- ``django_backblaze_b2.W042``: it is Django's ``RedisCache`` without socket timeouts: a Redis host
  that stops answering would hold requests until the operating system gives up.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from django.conf import settings
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.core.checks import CheckMessage, Error, Warning
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.utils.module_loading import import_string

from ..options import StorageOptions, resolve
from ..usage import configured_backends, file_fields

_NOT_SHARED = (LocMemCache, DummyCache)


def check_account_info_cache(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    checked: set[str] = set()
    for where, options in _options_in_use():
        if options.simulator or options.account_info["type"] != "django-cache":
            continue  # the simulated B2 lives in one process; memory and sqlite are b2sdk's own stores
        name = options.account_info["cache"]
        if name in checked:
            continue
        checked.add(name)
        messages.extend(_check_cache(where, name))
    return messages


def _check_cache(where: str, name: str) -> list[CheckMessage]:
    caches_setting: Mapping[str, Any] = getattr(settings, "CACHES", {})
    if name not in caches_setting:
        return [
            Error(
                f"{where} keeps the B2 authorization in the cache {name!r}, which is not in settings.CACHES.",
                hint=f"Add CACHES[{name!r}] (a cache every process can reach: Redis, Memcached or DatabaseCache), "
                "or set BACKBLAZE_CONFIG['account_info'] = {'type': 'django-cache', 'cache': '<a cache in CACHES>'}.",
                id="django_backblaze_b2.E040",
            )
        ]
    config = caches_setting[name]
    try:
        backend = import_string(config["BACKEND"])
    except (ImportError, KeyError):
        return []  # Django's own cache checks report a broken CACHES entry
    if not isinstance(backend, type):
        return []
    if issubclass(backend, _NOT_SHARED) and not settings.DEBUG:
        kind = "stores nothing" if issubclass(backend, DummyCache) else "lives in one process"
        return [
            Warning(
                f"{where} keeps the B2 authorization in the cache {name!r}, a {backend.__name__} that {kind}: "
                "each worker process authorizes with B2 on its own (a billed call each, and again when tokens "
                "expire).",
                hint="Point BACKBLAZE_CONFIG['account_info'] at a cache all processes share (Redis, Memcached, "
                "DatabaseCache; FileBasedCache on a single machine).",
                id="django_backblaze_b2.W041",
            )
        ]
    options = config.get("OPTIONS", {})
    if issubclass(backend, RedisCache) and not (
        isinstance(options, Mapping) and options.get("socket_timeout") and options.get("socket_connect_timeout")
    ):
        return [
            Warning(
                f"The cache {name!r} that {where} keeps the B2 authorization in has no socket timeouts: if the "
                "Redis host stops answering, requests wait for it instead of carrying on without the cache.",
                hint=f"Set CACHES[{name!r}]['OPTIONS'] = {{'socket_connect_timeout': 1, 'socket_timeout': 1}} "
                "(seconds).",
                id="django_backblaze_b2.W042",
            )
        ]
    return []


def _options_in_use() -> Iterator[tuple[str, StorageOptions]]:
    """(how the settings name it, its resolved options) for each B2 storage configured, without building any."""
    from ..storage import BackblazeB2Storage

    with contextlib.suppress(ImproperlyConfigured):  # reported when a storage is built
        yield "BACKBLAZE_CONFIG", resolve({})
    for alias, backend, options in configured_backends():
        if issubclass(backend, BackblazeB2Storage):
            try:
                yield f"STORAGES[{alias!r}]", resolve(options, route=backend.route)
            except ImproperlyConfigured:
                continue
    for label, field in file_fields():
        if field.storage is default_storage:
            continue  # STORAGES["default"], above; isinstance() would build it here
        if isinstance(field.storage, BackblazeB2Storage):
            try:
                yield label, field.storage.options
            except ImproperlyConfigured:
                continue  # reported by the settings checks
