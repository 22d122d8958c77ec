"""Where the B2 authorization lives: the ``account_info`` option's stores, behind one contract.

- ``{"type": "django-cache", "cache": ...}``: :class:`.django_cache.DjangoCacheAccountInfo`, shared by
  every process of a deployment through a Django cache (the default);
- ``{"type": "memory"}``: :class:`.local.MemoryAccountInfo`, per process;
- ``{"type": "sqlite", "database_path": ...}``: :class:`.local.SqliteStore`, per machine.

Each is a b2sdk account info that also answers :class:`AccountStore`: the client gives it an
``authorizer`` (one ``b2_authorize_account`` with the configured key) and the store decides when to
call it, so a deployment authorizes about once per token lifetime, whichever store it uses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

from django.core.cache import caches

from .django_cache import DjangoCacheAccountInfo
from .local import MemoryAccountInfo, sqlite_store

T = TypeVar("T")

__all__ = ["AccountStore", "DjangoCacheAccountInfo", "MemoryAccountInfo", "make_store"]


class AccountStore(Protocol):
    """What the client needs of a store, beyond b2sdk's account-info contract."""

    authorizer: Callable[[], None] | None

    def ensure_authorized(self) -> None:
        """Have a usable authorization of the configured key, authorizing only if there is none."""

    def replace_rejected_token(self) -> bool:
        """B2 rejected the token: get a newer one (another thread's or process's, or authorize)."""

    def get_bucket_type(self, bucket_name: str) -> str | None:
        """A bucket's type as another process learnt it, if the store is shared."""

    def save_bucket_type(self, bucket_name: str, bucket_type: str) -> None: ...

    def look_up_bucket_once(self, bucket_name: str, look_up: Callable[[], T]) -> T | None:
        """Run ``look_up`` in one process at a time; None if another process learnt the bucket meanwhile."""


def make_store(
    config: Mapping[str, str], *, realm: str, application_key_id: str, application_key: str, simulated: bool
) -> Any:
    """The store the ``account_info`` option names, for one account (an :class:`AccountStore`)."""
    kind = config["type"]
    if kind == "django-cache":
        if simulated and config["cache"] not in caches:
            # Everything is in this process anyway; don't make test settings declare a cache.
            return MemoryAccountInfo(realm=realm, application_key_id=application_key_id)
        return DjangoCacheAccountInfo(
            config["cache"], realm=realm, application_key_id=application_key_id, application_key=application_key
        )
    if kind == "sqlite":
        return sqlite_store(config["database_path"], realm=realm, application_key_id=application_key_id)
    return MemoryAccountInfo(realm=realm, application_key_id=application_key_id)
