"""The one module that builds b2sdk objects: one authorized ``B2Api`` per account per process,
and the buckets it reaches.

Storage instances are cheap and many (Django makes one per ``FileField``, per ``STORAGES`` alias,
per request in some code); authorizing is a paid class C call. So connections live in a process-wide
registry keyed by what identifies the account (realm, key id, account-info store), and every storage
with the same settings shares one, across threads. Bucket objects and bucket types are learnt once per
connection.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from b2sdk.v2 import (
    AbstractAccountInfo,
    AuthInfoCache,
    B2Api,
    B2HttpApiConfig,
    Bucket,
    InMemoryAccountInfo,
    SqliteAccountInfo,
)
from b2sdk.v2.exception import MissingAccountData, NonExistentBucket
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.core.files import locks

from .buckets import creation_arguments
from .cache_account_info import DjangoCacheAccountInfo
from .large_files import RecordingSession
from .metadata import MetadataMemo
from .options import StorageOptions

if TYPE_CHECKING:
    from .testing import SimulatedB2

logger = logging.getLogger("django_backblaze_b2")

UPLOAD_THREADS = 4  # per process; b2sdk's default of 10 is a lot next to a web server's workers


class MissingBucketError(NonExistentBucket):  # type: ignore[misc]
    """b2sdk's ``NonExistentBucket``, saying what to do about it."""

    def __str__(self) -> str:
        return (
            f"B2 has no bucket {self.bucket_name!r} (or the application key cannot see it): create it in the "
            "Backblaze console, or set BACKBLAZE_CONFIG['non_existent_bucket_details'] = {'bucket_type': "
            "'allPrivate'} to have it created on first use. `manage.py check --deploy --tag b2` checks every "
            "bucket in use."
        )


class _TokenTracking:
    """For b2sdk's own stores: remembers, per thread, the token b2sdk last took, so that a rejected
    token can be told from a newer one another thread already got."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._thread = threading.local()
        self.renewal_lock = threading.Lock()

    def get_account_auth_token(self) -> str:
        token: str = super().get_account_auth_token()  # type: ignore[misc]
        self._thread.token = token
        return token

    def rejected_token(self) -> str | None:
        return getattr(self._thread, "token", None)


class _InMemoryAccountInfo(_TokenTracking, InMemoryAccountInfo):  # type: ignore[misc]
    pass


class _SqliteAccountInfo(_TokenTracking, SqliteAccountInfo):  # type: ignore[misc]
    pass


class _Session(RecordingSession):
    """b2sdk's session, with an expired token replaced once, and the large files it starts noted
    (see :mod:`.large_files`).

    b2sdk's own ``authorize_automatically`` calls ``b2_authorize_account`` in every process and thread
    that meets the expired token. With a Django-cache store, one of them authorizes and the others
    take the new token from the cache; with b2sdk's own stores, one thread per process does (and
    processes sharing a sqlite file take a token another one wrote there).
    """

    def authorize_automatically(self) -> bool:
        info = self.account_info
        if isinstance(info, DjangoCacheAccountInfo):
            return info.replace_rejected_token()
        if isinstance(info, _TokenTracking):
            rejected = info.rejected_token()
            with info.renewal_lock:
                try:
                    if rejected is not None and info.get_account_auth_token() != rejected:
                        return True  # renewed meanwhile: the retry uses the new token
                except MissingAccountData:
                    pass
                return bool(super().authorize_automatically())
        return bool(super().authorize_automatically())


class _B2Api(B2Api):  # type: ignore[misc]
    SESSION_CLASS = staticmethod(_Session)


def _sqlite_account_info(path: str) -> AbstractAccountInfo:
    # b2sdk creates and migrates the database's schema when it opens it; processes doing that at the
    # same moment collide ("duplicate column name"), so opening takes an OS lock beside the file.
    with open(f"{path}.lock", "a+b") as lock_file:
        locks.lock(lock_file, locks.LOCK_EX)
        try:
            return _SqliteAccountInfo(file_name=path)
        finally:
            locks.unlock(lock_file)


@dataclass(frozen=True)
class _Account:
    realm: str
    application_key_id: str
    account_info: tuple[tuple[str, str], ...]
    simulator_id: int | None


class B2Connection:
    """An authorized ``B2Api`` for one account, shared by every storage that uses it."""

    def __init__(self, options: StorageOptions, simulator: SimulatedB2 | None) -> None:
        self.simulator = simulator
        if simulator is not None:
            # Credentials in settings are ignored: the simulated B2 has its own account.
            self.realm, self._key_id, self._key = simulator.realm, simulator.key_id, simulator.key
        else:
            if not options.has_credentials:
                raise ImproperlyConfigured(
                    "django-backblaze-b2 needs BACKBLAZE_CONFIG['application_key_id'] and "
                    "BACKBLAZE_CONFIG['application_key'] (or set BACKBLAZE_CONFIG['simulator'] = True "
                    "to use an in-process simulated B2)."
                )
            self.realm, self._key_id, self._key = options.realm, options.application_key_id, options.application_key
        self.account_info = self._make_account_info(options.account_info)
        api_config = B2HttpApiConfig()
        in_process = simulator is not None and simulator.in_process
        if in_process:
            from .testing.simulator import RealisticRawSimulator

            api_config = B2HttpApiConfig(_raw_api_class=RealisticRawSimulator)
        self._api_config = api_config
        self.api = _B2Api(
            self.account_info,
            cache=AuthInfoCache(self.account_info),
            api_config=api_config,
            max_upload_workers=UPLOAD_THREADS,
        )
        if in_process:
            assert simulator is not None
            self.api.session.raw_api = simulator.raw
        if isinstance(self.account_info, DjangoCacheAccountInfo):
            self.account_info.authorizer = self._authorize
        self._lock = threading.RLock()
        self._authorized = False
        self._buckets: dict[str, Bucket] = {}
        self._bucket_types: dict[str, str] = {}
        self.metadata_memo = MetadataMemo()

    def _make_account_info(self, config: Mapping[str, str]) -> AbstractAccountInfo:
        kind = config["type"]
        if kind == "django-cache":
            if self.simulator is not None and config["cache"] not in caches:
                # Everything is in this process anyway; don't make test settings declare a cache.
                return _InMemoryAccountInfo()
            return DjangoCacheAccountInfo(
                config["cache"], realm=self.realm, application_key_id=self._key_id, application_key=self._key
            )
        if kind == "sqlite":
            return _sqlite_account_info(config["database_path"])
        return _InMemoryAccountInfo()

    def _authorize(self) -> None:
        logger.debug("django-backblaze-b2: authorizing with B2 (realm %s)", self.realm)
        self.api.authorize_account(self.realm, self._key_id, self._key)

    def verified_api(self) -> B2Api:
        """A new ``B2Api`` authorized now with the configured key, its state in memory only.

        For diagnostics: a token in the shared cache can outlive a mistyped or revoked key by a day,
        so only a fresh ``b2_authorize_account`` (one class C call) proves the key works. Nothing of
        the connection's account info (the shared cache) is read or written.
        """
        info = InMemoryAccountInfo()
        api = B2Api(info, cache=AuthInfoCache(info), api_config=self._api_config)
        if self.simulator is not None and self.simulator.in_process:
            api.session.raw_api = self.simulator.raw
        api.authorize_account(self.realm, self._key_id, self._key)
        return api

    def ensure_authorized(self) -> None:
        """Authorize unless this process, or another one through the shared cache, already has."""
        if self._authorized:
            return
        with self._lock:
            if self._authorized:
                return
            info = self.account_info
            if isinstance(info, DjangoCacheAccountInfo):
                info.ensure_authorized()
            else:
                try:
                    info.get_account_auth_token()
                    same_key = info.get_application_key_id() == self._key_id and info.get_realm() == self.realm
                except MissingAccountData:
                    same_key = False
                if not same_key:
                    self._authorize()
            self._authorized = True

    def bucket(self, name: str, create_details: Mapping[str, Any] | None = None) -> Bucket:
        """The named bucket; created from ``create_details`` (or on demand in the simulator) if missing."""
        try:
            return self._buckets[name]
        except KeyError:
            pass
        with self._lock:
            if name in self._buckets:
                return self._buckets[name]
            self.ensure_authorized()
            try:
                bucket = self._look_up_bucket(name)
            except NonExistentBucket:
                if create_details is None and self.simulator is None:
                    raise MissingBucketError(name) from None
                details = creation_arguments(create_details)
                logger.info("django-backblaze-b2: creating bucket %s (%s)", name, details["bucket_type"])
                bucket = self.api.create_bucket(name, **details)
            if bucket.type_:
                self._learn_bucket_type(name, bucket.type_)
            self._buckets[name] = bucket
            return bucket

    def _look_up_bucket(self, name: str) -> Bucket:
        info = self.account_info
        if isinstance(info, DjangoCacheAccountInfo) and info.get_bucket_id_or_none_from_bucket_name(name) is None:
            # Unknown to every process: one of them asks B2 (b2_list_buckets), the others read its answer.
            bucket = info.look_up_bucket_once(name, lambda: self.api.get_bucket_by_name(name))
            if bucket is not None:
                return bucket
        return self.api.get_bucket_by_name(name)

    def bucket_type(self, name: str) -> str:
        """``allPublic`` or ``allPrivate``, learnt once (a bucket id from the cache carries no type)."""
        try:
            return self._bucket_types[name]
        except KeyError:
            pass
        bucket = self.bucket(name)
        with self._lock:
            if name not in self._bucket_types:
                info = self.account_info
                shared = info.get_bucket_type(name) if isinstance(info, DjangoCacheAccountInfo) else None
                if shared is not None:
                    self._bucket_types[name] = shared
                else:
                    fresh = self.api.list_buckets(bucket_name=name)
                    self._learn_bucket_type(name, fresh[0].type_ if fresh else (bucket.type_ or "allPrivate"))
            return self._bucket_types[name]

    def _learn_bucket_type(self, name: str, type_: str) -> None:
        self._bucket_types[name] = type_
        if isinstance(self.account_info, DjangoCacheAccountInfo):
            self.account_info.save_bucket_type(name, type_)

    def download_url(self) -> str:
        self.ensure_authorized()
        return str(self.account_info.get_download_url())


_registry: dict[_Account, B2Connection] = {}
_registry_lock = threading.Lock()


def connection_for(options: StorageOptions) -> B2Connection:
    """The process's shared connection for these options."""
    simulator = None
    if options.simulator:
        from .testing import current_simulator

        simulator = current_simulator()
    account = _Account(
        realm=simulator.realm if simulator else options.realm,
        application_key_id=simulator.key_id if simulator else options.application_key_id,
        account_info=tuple(sorted(options.account_info.items())),
        simulator_id=id(simulator) if simulator else None,
    )
    try:
        return _registry[account]
    except KeyError:
        pass
    with _registry_lock:
        if account not in _registry:
            _registry[account] = B2Connection(options, simulator)
        return _registry[account]


def forget_connections() -> None:
    """Drop every shared connection (tests swapping the simulated B2 use this)."""
    with _registry_lock:
        _registry.clear()
