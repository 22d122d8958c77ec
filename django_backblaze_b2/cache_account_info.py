"""b2sdk's account-info contract kept in a Django cache, so every process of a deployment shares
one B2 authorization and one bucket-name table.

What goes into the cache is only what a token holder could already do for the token's lifetime:
the auth token, URLs, part sizes, the key's allowed scope and bucket ids. The application key
stays in process memory. Keys are namespaced per realm and key id, and nothing here ever clears a
cache it does not own.

When the entries are gone (evicted, flushed, expired) the store re-authorizes through the
``authorizer`` its connection gave it, with a lock taken by the cache's atomic ``add`` so that
many processes noticing at once authorize once. When the cache itself fails (server down), it
carries on with the copy in process memory, warns once, and writes back when the cache returns.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from b2sdk.v2 import UrlPoolAccountInfo
from b2sdk.v2.exception import MissingAccountData
from django.core.cache import BaseCache, InvalidCacheBackendError, caches
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger("django_backblaze_b2")

AUTH_TIMEOUT = 23 * 3600  # B2 tokens live 24 hours: refresh a little before
LOCK_TIMEOUT = 30  # seconds a dead lock holder can block others
LOCK_WAIT = 5.0  # seconds to wait for another process's authorization before doing our own


class DjangoCacheAccountInfo(UrlPoolAccountInfo):  # type: ignore[misc]
    """Account info in ``django.core.cache.caches[cache_name]``.

    ``application_key`` (optional) is held in memory only; b2sdk asks for it when a token expires.
    ``authorizer`` (set by the connection) re-authorizes from settings when the cache lost the
    auth entry.
    """

    def __init__(
        self,
        cache_name: str,
        *,
        realm: str = "production",
        application_key_id: str = "",
        application_key: str | None = None,
    ) -> None:
        try:
            self.cache: BaseCache = caches[cache_name]
        except InvalidCacheBackendError:
            raise ImproperlyConfigured(
                f"django-backblaze-b2 keeps its B2 authorization in the cache {cache_name!r}, which is not in "
                f"settings.CACHES. Add it (a shared cache such as Redis in production), or set "
                "BACKBLAZE_CONFIG['account_info'] to {'type': 'django-cache', 'cache': '<an existing cache>'}."
            ) from None
        self.cache_name = cache_name
        self._application_key = application_key
        self._application_key_id = application_key_id
        namespace = hashlib.sha256(f"{realm}\x00{application_key_id}".encode()).hexdigest()[:20]
        self._auth_key = f"django-backblaze-b2:v1:{namespace}:auth"
        self._buckets_key = f"django-backblaze-b2:v1:{namespace}:buckets"
        self._lock_key = f"django-backblaze-b2:v1:{namespace}:authorizing"
        self._local_auth: dict[str, Any] | None = None
        self._local_buckets: dict[str, str] = {}
        self._cache_failing = False
        self._authorizing = threading.local()
        self.authorizer: Callable[[], None] | None = None
        super().__init__()

    # -- the cache, with a process-memory fallback ------------------------------------------------

    def _cache_get(self, key: str) -> Any:
        try:
            value = self.cache.get(key)
        except Exception:
            self._cache_failed("read")
            raise
        self._cache_recovered()
        return value

    def _cache_set(self, key: str, value: Any, timeout: int | None) -> None:
        try:
            self.cache.set(key, value, timeout=timeout)
        except Exception:
            self._cache_failed("write")
        else:
            self._cache_recovered()

    def _cache_failed(self, action: str) -> None:
        if not self._cache_failing:
            self._cache_failing = True
            logger.warning(
                "django-backblaze-b2: could not %s the cache %r; using this process's copy of the B2 "
                "authorization until it is back.",
                action,
                self.cache_name,
                exc_info=True,
            )

    def _cache_recovered(self) -> None:
        if self._cache_failing:
            self._cache_failing = False
            logger.warning("django-backblaze-b2: the cache %r is reachable again.", self.cache_name)
            if self._local_auth is not None:
                self._cache_set(self._auth_key, self._local_auth, AUTH_TIMEOUT)

    # -- auth data ----------------------------------------------------------------------------------

    def _auth(self) -> dict[str, Any]:
        try:
            data = self._cache_get(self._auth_key)
        except Exception:
            data = self._local_auth
        if data is None:
            data = self._reauthorize()
        self._local_auth = data
        return dict(data)

    def _reauthorize(self) -> dict[str, Any]:
        """Authorize again because the shared entry is gone; one process does it, the others wait."""
        if getattr(self._authorizing, "active", False) or self.authorizer is None:
            # Inside authorize_account (b2sdk asks is_same_account first), or no way to authorize.
            raise MissingAccountData("B2 authorization is not in the cache")
        try:
            got_lock = bool(self.cache.add(self._lock_key, "1", timeout=LOCK_TIMEOUT))
        except Exception:
            got_lock = True  # no shared cache to coordinate through: authorize in this process
        if not got_lock:
            deadline = time.monotonic() + LOCK_WAIT
            while time.monotonic() < deadline:
                time.sleep(0.05)
                try:
                    data = self._cache_get(self._auth_key)
                except Exception:
                    break
                if data is not None:
                    return dict(data)
        try:
            self.run_authorizer()
        finally:
            if got_lock:
                with contextlib.suppress(Exception):  # the lock times out by itself
                    self.cache.delete(self._lock_key)
        if self._local_auth is None:
            raise MissingAccountData("B2 authorization failed to store its data")
        return self._local_auth

    def run_authorizer(self) -> None:
        """Call the connection's authorizer with this store's getters answering 'missing' meanwhile."""
        if self.authorizer is None:
            raise MissingAccountData("no authorizer")
        self._authorizing.active = True
        try:
            self.authorizer()
        finally:
            self._authorizing.active = False

    def _get(self, item: str) -> Any:
        if getattr(self._authorizing, "active", False):
            raise MissingAccountData(item)
        value = self._auth().get(item)
        if value is None:
            raise MissingAccountData(item)
        return value

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
            "application_key_id": application_key_id,
        }
        # The application key never goes to the cache: keep it in memory for b2sdk's re-authorization.
        self._application_key = application_key
        self._application_key_id = application_key_id
        self._local_auth = data
        self._cache_set(self._auth_key, data, AUTH_TIMEOUT)

    def ensure_authorized(self) -> None:
        """Use the shared authorization, or authorize (once across processes) when there is none."""
        self._auth()

    def clear(self) -> None:
        for key in (self._auth_key, self._buckets_key):
            try:
                self.cache.delete(key)
            except Exception:
                self._cache_failed("clear")
        self._local_auth = None
        self._local_buckets = {}
        super().clear()

    def get_account_id(self) -> str:
        return str(self._get("account_id"))

    def get_application_key_id(self) -> str:
        if self._application_key_id:
            return self._application_key_id
        return str(self._get("application_key_id"))

    def get_application_key(self) -> str:
        if self._application_key is None:
            raise MissingAccountData("application_key")
        return self._application_key

    def get_account_auth_token(self) -> str:
        return str(self._get("auth_token"))

    def get_api_url(self) -> str:
        return str(self._get("api_url"))

    def get_download_url(self) -> str:
        return str(self._get("download_url"))

    def get_realm(self) -> str:
        return str(self._get("realm"))

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

    # -- bucket names -------------------------------------------------------------------------------

    def _buckets(self) -> dict[str, str]:
        try:
            value = self._cache_get(self._buckets_key)
        except Exception:
            return dict(self._local_buckets)
        if value is not None:
            self._local_buckets = dict(value)
        return dict(value or {})

    def _store_buckets(self, buckets: dict[str, str]) -> None:
        self._local_buckets = dict(buckets)
        self._cache_set(self._buckets_key, buckets, None)

    def refresh_entire_bucket_name_cache(self, name_id_iterable: Iterable[tuple[str, str]]) -> None:
        self._store_buckets(dict(name_id_iterable))

    def save_bucket(self, bucket: Any) -> None:
        # A lost update between processes only costs one more b2_list_buckets later.
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

    def __repr__(self) -> str:
        return f"{type(self).__name__}(cache_name={self.cache_name!r})"
