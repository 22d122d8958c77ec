"""b2sdk's own account-info stores (in memory, sqlite), held to the same contract as the Django-cache
store: the client hands each store an ``authorizer`` and asks it when to authorize.

b2sdk's own ``authorize_automatically`` would have every thread that meets an expired token
authorize. These stores remember, per thread, the token b2sdk last took, so a rejected token can be
told from a newer one another thread already got: one thread per process renews it (and processes
sharing a sqlite file take a token another one wrote there).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from b2sdk.v2 import InMemoryAccountInfo, SqliteAccountInfo
from b2sdk.v2.exception import MissingAccountData
from django.core.files import locks

T = TypeVar("T")


class _LocalStore:
    """The store contract for b2sdk's stores (see ``account.AccountStore``)."""

    def __init__(self, *args: Any, realm: str, application_key_id: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._expected_realm = realm
        self._expected_key_id = application_key_id
        self._thread = threading.local()
        self._renewal_lock = threading.Lock()
        self.authorizer: Callable[[], None] | None = None

    def get_account_auth_token(self) -> str:
        token: str = super().get_account_auth_token()  # type: ignore[misc]
        self._thread.token = token
        return token

    def _authorize(self) -> None:
        if self.authorizer is None:
            raise MissingAccountData("no authorizer")
        self.authorizer()

    def ensure_authorized(self) -> None:
        """Authorize unless this store already holds an authorization of the configured key (a sqlite
        file may hold one that another process made, or one of another key)."""
        try:
            self.get_account_auth_token()
            current = (
                self.get_application_key_id() == self._expected_key_id  # type: ignore[attr-defined]
                and self.get_realm() == self._expected_realm  # type: ignore[attr-defined]
            )
        except MissingAccountData:
            current = False
        if not current:
            self._authorize()

    def replace_rejected_token(self) -> bool:
        """B2 rejected the token this thread last used: renew it, unless another thread already did."""
        rejected = getattr(self._thread, "token", None)
        with self._renewal_lock:
            try:
                if rejected is not None and self.get_account_auth_token() != rejected:
                    return True  # renewed meanwhile: the retry uses the new token
            except MissingAccountData:
                pass
            self._authorize()
            return True

    def get_bucket_type(self, bucket_name: str) -> str | None:
        return None  # nothing shared: the client asks B2 once per process

    def save_bucket_type(self, bucket_name: str, bucket_type: str) -> None:
        pass

    def look_up_bucket_once(self, bucket_name: str, look_up: Callable[[], T]) -> T | None:
        return look_up()  # one process: nobody else to wait for


class MemoryAccountInfo(_LocalStore, InMemoryAccountInfo):  # type: ignore[misc]
    """Per process, in memory: each process authorizes once."""


class SqliteStore(_LocalStore, SqliteAccountInfo):  # type: ignore[misc]
    """A sqlite file that the processes of one machine share."""


def sqlite_store(path: str, *, realm: str, application_key_id: str) -> SqliteStore:
    # b2sdk creates and migrates the database's schema when it opens it; processes doing that at the
    # same moment collide ("duplicate column name"), so opening takes an OS lock beside the file.
    with open(f"{path}.lock", "a+b") as lock_file:
        locks.lock(lock_file, locks.LOCK_EX)
        try:
            return SqliteStore(file_name=path, realm=realm, application_key_id=application_key_id)
        finally:
            locks.unlock(lock_file)
