"""The per-account B2 client: the one module that builds b2sdk objects, one authorized ``B2Api`` per
account per process, and the buckets it reaches.

Storage instances are cheap and many (Django makes one per ``FileField``, per ``STORAGES`` alias,
per request in some code); authorizing is a paid class C call. So clients live in a process-wide
registry keyed by what identifies the account (realm, key id, account-info store), and every storage
with the same settings shares one, across threads. Bucket objects and bucket types are learnt once per
client. When to authorize is the account-info store's decision (:mod:`.account`).

The simulated B2 (``simulator: True``) is not imported from here: :mod:`.testing` registers itself
with :func:`register_simulator` when it is imported (``INSTALLED_APPS``, the pytest plugin).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from b2sdk.v2 import AuthInfoCache, B2Api, B2HttpApiConfig, Bucket, InMemoryAccountInfo
from b2sdk.v2.exception import NonExistentBucket
from django.core.exceptions import ImproperlyConfigured

from . import redaction
from .account import make_store
from .buckets import creation_arguments
from .large_files import RecordingSession
from .metadata import MetadataMemo
from .options import StorageOptions

logger = logging.getLogger("django_backblaze_b2")

UPLOAD_THREADS = 4  # per process; b2sdk's default of 10 is a lot next to a web server's workers


class Simulated(Protocol):
    """A simulated B2 (see :class:`django_backblaze_b2.testing.SimulatedB2`) as the client uses it."""

    realm: str
    key_id: str
    key: str

    def api_config(self) -> B2HttpApiConfig:
        """How b2sdk reaches it: its raw API in process, or plain HTTP to a local B2 server."""

    def attach(self, api: B2Api) -> None:
        """Connect a ``B2Api`` built with :meth:`api_config` to this simulated B2."""


_current_simulator: Callable[[], Simulated] | None = None


def register_simulator(current: Callable[[], Simulated]) -> None:
    """Called by :mod:`.testing` on import: ``current()`` is the simulated B2 storages use now."""
    global _current_simulator
    _current_simulator = current


def current_simulator() -> Simulated:
    if _current_simulator is None:
        raise ImproperlyConfigured(
            "BACKBLAZE_CONFIG['simulator'] = True needs the simulated B2: add 'django_backblaze_b2.testing' to "
            "INSTALLED_APPS (or use the pytest plugin 'django_backblaze_b2.testing.pytest_plugin')."
        )
    return _current_simulator()


class MissingBucketError(NonExistentBucket):  # type: ignore[misc]
    """b2sdk's ``NonExistentBucket``, saying what to do about it."""

    def __str__(self) -> str:
        return (
            f"B2 has no bucket {self.bucket_name!r} (or the application key cannot see it): create it in the "
            "Backblaze console, or set BACKBLAZE_CONFIG['non_existent_bucket_details'] = {'bucket_type': "
            "'allPrivate'} to have it created on first use. `manage.py check --deploy --tag b2` checks every "
            "bucket in use."
        )


class _Session(RecordingSession):
    """b2sdk's session, with an expired token replaced by the account-info store's rule, and the large
    files it starts noted (see :mod:`.large_files`).

    b2sdk's own ``authorize_automatically`` calls ``b2_authorize_account`` in every process and thread
    that meets the expired token; the stores make that once per deployment (Django cache) or per
    process (memory, sqlite).
    """

    def authorize_automatically(self) -> bool:
        return bool(self.account_info.replace_rejected_token())


class _B2Api(B2Api):  # type: ignore[misc]
    SESSION_CLASS = staticmethod(_Session)


@dataclass(frozen=True)
class _Account:
    realm: str
    application_key_id: str
    account_info: tuple[tuple[str, str], ...]
    simulator_id: int | None


class AccountClient:
    """An authorized ``B2Api`` for one account, shared by every storage that uses it."""

    def __init__(self, options: StorageOptions, simulator: Simulated | None) -> None:
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
        self.account_info = make_store(
            options.account_info,
            realm=self.realm,
            application_key_id=self._key_id,
            application_key=self._key,
            simulated=simulator is not None,
        )
        self.api = self._attached(
            _B2Api(
                self.account_info,
                cache=AuthInfoCache(self.account_info),
                api_config=simulator.api_config() if simulator is not None else B2HttpApiConfig(),
                max_upload_workers=UPLOAD_THREADS,
            )
        )
        self.account_info.authorizer = self._authorize
        self._lock = threading.RLock()
        self._authorized = False
        self._buckets: dict[str, Bucket] = {}
        self._bucket_types: dict[str, str] = {}
        self.metadata_memo = MetadataMemo()

    def _attached(self, api: B2Api) -> B2Api:
        if self.simulator is not None:
            self.simulator.attach(api)
        return api

    def verified_api(self) -> B2Api:
        """A new ``B2Api`` authorized now with the configured key, its state in memory only.

        For diagnostics: a token in the shared cache can outlive a mistyped or revoked key by a day,
        so only a fresh ``b2_authorize_account`` (one class C call) proves the key works. Nothing of
        the client's account info (the shared cache) is read or written.
        """
        info = InMemoryAccountInfo()
        config = self.simulator.api_config() if self.simulator is not None else B2HttpApiConfig()
        api = self._attached(B2Api(info, cache=AuthInfoCache(info), api_config=config))
        api.authorize_account(self.realm, self._key_id, self._key)
        return api

    def _authorize(self) -> None:
        logger.debug("django-backblaze-b2: authorizing with B2 (realm %s)", self.realm)
        self.api.authorize_account(self.realm, self._key_id, self._key)
        # The account token is a bearer for a day: error reports must not show it either.
        redaction.remember(self.account_info.get_account_auth_token())

    def ensure_authorized(self) -> None:
        """Authorize unless this process, or another one through the shared cache, already has."""
        if self._authorized:
            return
        with self._lock:
            if not self._authorized:
                self.account_info.ensure_authorized()
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
        if info.get_bucket_id_or_none_from_bucket_name(name) is None:
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
                shared = self.account_info.get_bucket_type(name)
                if shared is not None:
                    self._bucket_types[name] = shared
                else:
                    fresh = self.api.list_buckets(bucket_name=name)
                    self._learn_bucket_type(name, fresh[0].type_ if fresh else (bucket.type_ or "allPrivate"))
            return self._bucket_types[name]

    def _learn_bucket_type(self, name: str, type_: str) -> None:
        self._bucket_types[name] = type_
        self.account_info.save_bucket_type(name, type_)

    def download_url(self) -> str:
        self.ensure_authorized()
        return str(self.account_info.get_download_url())


_registry: dict[_Account, AccountClient] = {}
_registry_lock = threading.Lock()


def client_for(options: StorageOptions) -> AccountClient:
    """The process's shared client for these options."""
    simulator = current_simulator() if options.simulator else None
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
            _registry[account] = AccountClient(options, simulator)
        return _registry[account]


def forget_clients() -> None:
    """Drop every shared client (tests swapping the simulated B2 use this)."""
    with _registry_lock:
        _registry.clear()
