"""Expiring links to files in private buckets: B2 download authorizations, scoped and reused.

A link is the file's direct B2 URL plus ``?Authorization=<token>``; the token comes from
``b2_get_download_authorization`` (a paid class C call) and opens every file whose name starts with
the token's prefix, until it expires. So tokens are:

- scoped to the file's exact name by default (``url_expiry_scope="file"``), or, as an explicit
  opt-in, to its folder or the storage's ``location`` (see :func:`scope_prefix`), never wider;
- reused, process-wide and across threads, while they have most of their life left: 100 links to
  one file cost one call; 100 links to 100 files cost 100 with the file scope, 1 with a wider one.

B2 authorizations are name *prefixes*: a token for ``reports/q1.pdf`` also opens
``reports/q1.pdf.bak`` and ``reports/q1.pdf/x`` if such names exist. Django's own alternative names
keep this narrow, because they add their suffix before the extension (``q1_AbCdEf1.pdf``, which the
token does not open).

A reused token has already aged, so a link is valid for between ``seconds - reuse_window(seconds)``
and ``seconds`` (never longer than asked).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Literal

from django.core.exceptions import ImproperlyConfigured

MIN_SECONDS = 1
MAX_SECONDS = 604_800  # 7 days, B2's limit
MAX_REUSE_WINDOW = 3600
#: Seconds a link from ``url()`` to a file in a private bucket stays valid when ``url_expiry`` is not set.
PRIVATE_URL_EXPIRY = 3600
Scope = Literal["file", "folder", "location"]
SCOPES: tuple[Scope, ...] = ("file", "folder", "location")


def validated_seconds(value: Any, what: str) -> int:
    """A link lifetime in whole seconds, 1 s to 7 days; ``ValueError`` saying which bound was crossed."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be a whole number of seconds, not {type(value).__name__}.")
    if not MIN_SECONDS <= value <= MAX_SECONDS:
        raise ValueError(
            f"{what} must be between {MIN_SECONDS} second and {MAX_SECONDS} seconds (7 days, B2's limit), not {value}."
        )
    return value


def reuse_window(seconds: int) -> int:
    """How long a token may be handed out after it was issued: a tenth of its life, at most an hour."""
    return min(seconds // 10, MAX_REUSE_WINDOW)


def scope_prefix(file_name: str, location: str, scope: Scope) -> str:
    """The narrowest prefix for ``scope`` that covers ``file_name``, never wider than ``location`` + "/".

    - ``"file"``: the file name itself (a name prefix: it also opens ``file_name`` + anything, e.g. ``a.pdf.bak``);
    - ``"folder"``: the key's folder + "/", or the key itself for a file at the top of a storage with
      no location (its folder would be the whole bucket);
    - ``"location"``: ``location`` + "/" (start-up refuses this scope without a location).
    """
    folder_prefix = f"{location}/" if location else ""
    if scope == "location" and location:
        return folder_prefix
    if scope == "folder":
        folder, _, _ = file_name.rpartition("/")
        if folder and len(folder) >= len(location):
            return f"{folder}/"
    return file_name


class DownloadAuthorizations:
    """Download-authorization tokens by (bucket id, prefix, lifetime), reused until close to expiry."""

    def __init__(self, max_entries: int = 1024, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_entries = max_entries
        self._clock = clock
        self._tokens: OrderedDict[tuple[str, str, int], tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()
        # One lock per prefix while its token is being fetched, so concurrent renders make one call.
        self._fetching: dict[tuple[str, str, int], threading.Lock] = {}

    def token(self, bucket: Any, prefix: str, seconds: int) -> str:
        entry_key = (str(bucket.id_), prefix, seconds)
        token = self._fresh(entry_key)
        if token is not None:
            return token
        with self._lock:
            fetch_lock = self._fetching.setdefault(entry_key, threading.Lock())
        with fetch_lock:
            token = self._fresh(entry_key)
            if token is not None:
                return token
            issued = self._clock()  # before the call: the token's life starts no earlier than this
            token = str(bucket.get_download_authorization(prefix, seconds))
            with self._lock:
                self._tokens[entry_key] = (issued + reuse_window(seconds), token)
                self._tokens.move_to_end(entry_key)
                while len(self._tokens) > self.max_entries:
                    self._tokens.popitem(last=False)
                self._fetching.pop(entry_key, None)
            return token

    def _fresh(self, entry_key: tuple[str, str, int]) -> str | None:
        with self._lock:
            entry = self._tokens.get(entry_key)
            if entry is None:
                return None
            reusable_until, token = entry
            if self._clock() >= reusable_until:
                del self._tokens[entry_key]
                return None
            self._tokens.move_to_end(entry_key)
            return token


# One token cache per shared connection (that is, per account and process); it goes with the connection.
_caches: weakref.WeakKeyDictionary[Any, DownloadAuthorizations] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def authorizations_for(connection: Any) -> DownloadAuthorizations:
    with _caches_lock:
        cache = _caches.get(connection)
        if cache is None:
            cache = _caches[connection] = DownloadAuthorizations()
        return cache


def refuse_customer_key(encryption: Any) -> None:
    """A link cannot carry an SSE-C key: ``ImproperlyConfigured`` for a storage encrypting with one."""
    if encryption is not None and encryption.customer_key:
        raise ImproperlyConfigured(CUSTOMER_KEY_LINKS)


CUSTOMER_KEY_LINKS = (
    "Files encrypted with a customer key (server_side_encryption mode 'SSE-C') cannot be reached through "
    "links: B2 needs the key with every download and a link must not carry it. Serve them through the "
    "proxy views (without 'proxy_redirect_expiry'), or use mode 'SSE-B2'."
)
