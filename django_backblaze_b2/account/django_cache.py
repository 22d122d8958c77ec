"""b2sdk's account-info contract kept in a Django cache, so every process of a deployment shares
one B2 authorization and one bucket-name table.

What goes into the cache is only what a token holder could already do for the token's lifetime:
the auth token, URLs, part sizes, the key's allowed scope and bucket ids. The application key and
its id stay in process memory. Keys are namespaced per realm and key id (hashed), and nothing here
ever clears a cache it does not own.

Each process also keeps the last authorization it saw. When the shared entry is gone (evicted,
flushed) that copy is used and put back; when the cache fails (server down) that copy is used until
the cache returns. Only when there is no usable copy anywhere, or B2 rejected the token, does a
process authorize, and then through :meth:`SharedCache.once`, so that many processes noticing at
once authorize once and the others pick the new token up.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from b2sdk.v2 import UrlPoolAccountInfo
from b2sdk.v2.exception import MissingAccountData
from django.core.cache import InvalidCacheBackendError, caches
from django.core.exceptions import ImproperlyConfigured

from .shared_cache import CacheUnavailableError, SharedCache

T = TypeVar("T")

BUCKET_TYPE_LIFETIME = 3600  # a bucket made public or private in the console is noticed within this
AUTH_LIFETIME = 23 * 3600  # B2 tokens live 24 hours: authorize again a little before
LOCK_TIMEOUT = 30  # seconds a dead lock holder can hold the lock
LOCK_WAIT = 5.0  # seconds to wait for another process's result before doing the work here
KEY_VERSION = "v1"  # bump when the shape of the cached values changes


class DjangoCacheAccountInfo(UrlPoolAccountInfo):  # type: ignore[misc]
    """Account info in ``django.core.cache.caches[cache_name]``.

    ``application_key_id`` and ``application_key`` are held in memory only. ``authorizer`` (set by
    the connection) calls ``b2_authorize_account`` with the credentials from settings; this store
    decides when, so that a deployment authorizes about once per token lifetime.
    """

    lock_wait = LOCK_WAIT
    # Seconds this process uses its copy before looking at the cache again. A B2 call reads the
    # account info several times; a token another process replaced is still valid meanwhile, and a
    # rejected token always sends us to the cache.
    reread_after = 1.0

    def __init__(
        self,
        cache_name: str,
        *,
        realm: str = "production",
        application_key_id: str = "",
        application_key: str | None = None,
        retry_cache_after: float = 10.0,
    ) -> None:
        try:
            caches[cache_name]
        except InvalidCacheBackendError:
            raise ImproperlyConfigured(
                f"django-backblaze-b2 keeps its B2 authorization in the cache {cache_name!r}, which is not in "
                f"settings.CACHES. Add it (a shared cache such as Redis in production), or set "
                "BACKBLAZE_CONFIG['account_info'] to {'type': 'django-cache', 'cache': '<an existing cache>'}."
            ) from None
        self.cache_name = cache_name
        self.shared = SharedCache(cache_name, retry_after=retry_cache_after)
        self._realm = realm
        self._application_key_id = application_key_id
        self._application_key = application_key
        # The key id is not stored in the cache, nor readable from its key names.
        namespace = hashlib.sha256(f"{realm}\x00{application_key_id}".encode()).hexdigest()[:24]
        prefix = f"django-backblaze-b2:{KEY_VERSION}:{namespace}"
        self.auth_key = f"{prefix}:auth"
        self.buckets_key = f"{prefix}:buckets"
        self.bucket_types_key = f"{prefix}:bucket-types"
        self.auth_lock_key = f"{prefix}:lock:authorize"
        self._bucket_lock_prefix = f"{prefix}:lock:bucket:"
        self._local_auth: dict[str, Any] | None = None
        self._local_read_at = 0.0  # time.monotonic() of the last look at the cache
        self._local_buckets: dict[str, str] = {}
        self._authorize_lock = threading.RLock()
        # Per thread: .authorizing and .stored (what this authorization stored so far) while
        # authorizing; .token, the last token handed out.
        self._thread = threading.local()
        self.authorizer: Callable[[], None] | None = None
        super().__init__()

    # -- the authorization ------------------------------------------------------------------------

    def _shared_auth(self) -> dict[str, Any] | None:
        """The authorization in the cache; None when missing, unreadable or the cache is unavailable."""
        try:
            data = self.shared.get(self.auth_key)
        except CacheUnavailableError:
            return None
        if isinstance(data, dict) and isinstance(data.get("auth_token"), str):
            return data
        return None

    def _auth(self) -> dict[str, Any]:
        if getattr(self._thread, "authorizing", False):
            # b2sdk reads back during authorize_account: answer from what this run stored, or "missing".
            stored: dict[str, Any] | None = self._thread.stored
            if stored is None:
                raise MissingAccountData("B2 authorization in progress")
            return stored
        local = self._local_auth
        if local is not None and time.monotonic() - self._local_read_at < self.reread_after and _remaining(local) > 0:
            return local
        shared = self._shared_auth()
        if shared is not None and (local is None or _authorized_at(shared) >= _authorized_at(local)):
            self._keep(shared)
            return shared
        if local is not None and _remaining(local) > 0:
            if shared is not None:
                # The cache holds an older authorization (our write was lost): never step back to it.
                self._write_auth(local)
                self._local_read_at = time.monotonic()
                return local
            if not self.shared.failing:
                # Evicted or flushed: share this process's copy again rather than authorize.
                self._write_auth(local, add_only=True)
            self._local_read_at = time.monotonic()
            return local
        return self._authorize_unless_newer(None if local is None else local["auth_token"])

    def _authorize_unless_newer(self, stale_token: str | None) -> dict[str, Any]:
        """Authorize once across processes, unless the cache holds a token other than ``stale_token``."""
        if self.authorizer is None:
            raise MissingAccountData("B2 authorization is not in the cache and this store cannot authorize")

        def newer() -> dict[str, Any] | None:
            shared = self._shared_auth()
            if shared is not None and shared["auth_token"] != stale_token and _remaining(shared) > 0:
                self._keep(shared)
                return shared
            # Another thread here may have authorized while the cache could not tell us.
            local = self._local_auth
            if local is not None and local["auth_token"] != stale_token and _remaining(local) > 0:
                return local
            return None

        def authorize() -> dict[str, Any]:
            self.run_authorizer()
            if self._local_auth is None:
                raise MissingAccountData("B2 authorization did not store its data")
            return self._local_auth

        # Threads of this process queue here; processes queue on the lock in the cache.
        with self._authorize_lock:
            return self.shared.once(
                self.auth_lock_key, newer, authorize, lock_timeout=LOCK_TIMEOUT, wait=self.lock_wait
            )

    def _keep(self, data: dict[str, Any]) -> None:
        self._local_auth = data
        self._local_read_at = time.monotonic()

    def run_authorizer(self) -> None:
        """Call the connection's authorizer, with this store's getters answering 'missing' meanwhile."""
        if self.authorizer is None:
            raise MissingAccountData("no authorizer")
        self._thread.authorizing, self._thread.stored = True, None
        try:
            self.authorizer()
        finally:
            self._thread.authorizing, self._thread.stored = False, None

    def ensure_authorized(self) -> None:
        """Use the shared authorization, or authorize (once across processes) when there is none."""
        self._auth()

    def replace_rejected_token(self) -> bool:
        """B2 rejected the token this thread last used: take a newer one from the cache, or authorize.

        Called by the connection's session instead of b2sdk's own ``authorize_automatically``, which
        would have every process authorize when a token expires.
        """
        if self.authorizer is None:
            return False
        rejected = getattr(self._thread, "token", None)
        self._authorize_unless_newer(rejected)
        return True

    def _write_auth(self, data: dict[str, Any], *, add_only: bool = False) -> None:
        timeout = max(1, int(_remaining(data)))
        try:
            if add_only:
                self.shared.add(self.auth_key, data, timeout)
            else:
                self.shared.set(self.auth_key, data, timeout)
        except CacheUnavailableError:
            pass  # this process's copy carries on; _auth shares it when the cache is back

    def _set_auth_data(
        self,
        account_id: str,
        auth_token: str,
        api_url: str,
        download_url: str,
        recommended_part_size: int,
        absolute_minimum_part_size: int,
        application_key: str,
        realm: str,
        s3_api_url: str,
        allowed: Any,
        application_key_id: str,
    ) -> None:
        data = {
            "account_id": account_id,
            "auth_token": auth_token,
            "api_url": api_url,
            "download_url": download_url,
            "recommended_part_size": recommended_part_size,
            "absolute_minimum_part_size": absolute_minimum_part_size,
            "realm": realm,
            "s3_api_url": s3_api_url,
            "allowed": allowed,
            "authorized_at": time.time(),
        }
        # The application key and its id never go to the cache.
        self._application_key = application_key
        self._application_key_id = application_key_id
        self._realm = realm
        self._keep(data)
        if getattr(self._thread, "authorizing", False):
            self._thread.stored = data
        self._write_auth(data)

    def is_same_account(self, account_id: str, realm: str) -> bool:
        # b2sdk wipes the bucket table when this is False. The namespace is one key of one account, so
        # the table can only be this account's: don't lose it (and don't re-authorize to find out).
        known = self._local_auth
        return known is None or (known["account_id"] == account_id and known["realm"] == realm)

    def clear(self) -> None:
        for key in (self.auth_key, self.buckets_key, self.bucket_types_key):
            with contextlib.suppress(CacheUnavailableError):
                self.shared.delete(key)
        self._local_auth = None
        self._local_buckets = {}
        super().clear()

    def _get(self, item: str) -> Any:
        value = self._auth().get(item)
        if value is None:
            raise MissingAccountData(item)
        return value

    def get_account_id(self) -> str:
        return str(self._get("account_id"))

    def get_application_key_id(self) -> str:
        if not self._application_key_id:
            raise MissingAccountData("application_key_id")
        return self._application_key_id

    def get_application_key(self) -> str:
        if self._application_key is None:
            raise MissingAccountData("application_key")
        return self._application_key

    def get_account_auth_token(self) -> str:
        token = str(self._get("auth_token"))
        # Remembered so that, if B2 rejects it, replace_rejected_token knows which token was bad.
        self._thread.token = token
        return token

    def get_api_url(self) -> str:
        return str(self._get("api_url"))

    def get_download_url(self) -> str:
        return str(self._get("download_url"))

    def get_realm(self) -> str:
        return self._realm

    def get_recommended_part_size(self) -> int:
        return int(self._get("recommended_part_size"))

    def get_absolute_minimum_part_size(self) -> int:
        return int(self._get("absolute_minimum_part_size"))

    def get_allowed(self) -> Any:
        return self._get("allowed")

    def get_s3_api_url(self) -> str:
        try:
            return str(self._get("s3_api_url"))
        except MissingAccountData:
            return ""

    # -- bucket names ---------------------------------------------------------------------------------

    def _buckets(self) -> dict[str, str]:
        """The shared table, or this process's copy when the shared one is gone or unreachable."""
        try:
            value = self.shared.get(self.buckets_key)
        except CacheUnavailableError:
            value = None
        if isinstance(value, dict):
            self._local_buckets = dict(value)
        return dict(self._local_buckets)

    def _store_buckets(self, buckets: dict[str, str]) -> None:
        self._local_buckets = dict(buckets)
        with contextlib.suppress(CacheUnavailableError):  # this process's copy carries on
            self.shared.set(self.buckets_key, buckets, None)

    def refresh_entire_bucket_name_cache(self, name_id_iterable: Iterable[tuple[str, str]]) -> None:
        self._store_buckets(dict(name_id_iterable))

    def save_bucket(self, bucket: Any) -> None:
        # Read-modify-write: a lost update between processes only costs one more b2_list_buckets later.
        buckets = self._buckets()
        if buckets.get(bucket.name) != bucket.id_:
            buckets[bucket.name] = bucket.id_
            self._store_buckets(buckets)

    def remove_bucket_name(self, bucket_name: str) -> None:
        buckets = self._buckets()
        if buckets.pop(bucket_name, None) is not None:
            self._store_buckets(buckets)

    def get_bucket_id_or_none_from_bucket_name(self, bucket_name: str) -> str | None:
        return self._buckets().get(bucket_name)

    def get_bucket_name_or_none_from_bucket_id(self, bucket_id: str) -> str | None:
        for name, id_ in self._buckets().items():
            if id_ == bucket_id:
                return name
        return None

    def list_bucket_names_ids(self) -> list[tuple[str, str]]:
        return list(self._buckets().items())

    def get_bucket_type(self, bucket_name: str) -> str | None:
        """``allPublic``/``allPrivate`` as another process learnt it (b2sdk's bucket table has ids only)."""
        try:
            types = self.shared.get(self.bucket_types_key)
        except CacheUnavailableError:
            return None
        found = types.get(bucket_name) if isinstance(types, dict) else None
        return found if isinstance(found, str) else None

    def save_bucket_type(self, bucket_name: str, bucket_type: str) -> None:
        with contextlib.suppress(CacheUnavailableError):
            types = self.shared.get(self.bucket_types_key)
            types = dict(types) if isinstance(types, dict) else {}
            if types.get(bucket_name) != bucket_type:
                types[bucket_name] = bucket_type
                self.shared.set(self.bucket_types_key, types, BUCKET_TYPE_LIFETIME)

    def look_up_bucket_once(self, bucket_name: str, look_up: Callable[[], T]) -> T | None:
        """Run ``look_up`` (which learns the bucket's id) in one process at a time; None if another
        process learnt the id meanwhile (it is then in the bucket table)."""
        learnt: list[T] = []

        def known() -> bool | None:
            return True if self.get_bucket_id_or_none_from_bucket_name(bucket_name) is not None else None

        def run() -> bool:
            learnt.append(look_up())
            return True

        lock_key = self._bucket_lock_prefix + hashlib.sha256(bucket_name.encode()).hexdigest()[:24]
        self.shared.once(lock_key, known, run, lock_timeout=LOCK_TIMEOUT, wait=self.lock_wait)
        return learnt[0] if learnt else None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(cache_name={self.cache_name!r})"


def _authorized_at(data: dict[str, Any]) -> float:
    authorized_at = data.get("authorized_at")
    return float(authorized_at) if isinstance(authorized_at, (int, float)) else 0.0


def _remaining(data: dict[str, Any]) -> float:
    """Seconds an authorization is still worth using (0 for one of unknown age)."""
    authorized_at = _authorized_at(data)
    return AUTH_LIFETIME - (time.time() - authorized_at) if authorized_at else 0.0
