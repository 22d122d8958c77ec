"""The three proxy routes: which storage class each serves, where its files live, and what it must not serve.

A route's *scope* is the bucket and location (B2 file name prefix) its storage reads. Files carry an
access mark (:mod:`.access`) that the views check, so a file saved for staff is never served on a less
privileged route, whatever the scopes. Unmarked files are the exception to decide: where a less
privileged route's scope overlaps a more privileged one's (7.0.0's default: every route on one bucket,
no location), :data:`unmarked_files` refuses them unless ``serve_unmarked_files`` is on; ``checks.py``
reports the overlaps that are then exposed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from .access import ROUTES, more_privileged
from .options import resolve

PATHS = {"public": "/b2/", "logged_in": "/b2l/", "staff": "/b2s/"}
CLASS_NAMES = {"public": "PublicStorage", "logged_in": "LoggedInStorage", "staff": "StaffStorage"}


@dataclass(frozen=True)
class Scope:
    """Where one route's files live: a bucket and a key prefix ("" for the whole bucket)."""

    bucket: str
    location: str

    def holds_key(self, key: str) -> bool:
        return self.location == "" or key == self.location or key.startswith(f"{self.location}/")

    def overlaps(self, other: Scope) -> bool:
        """Whether some key could belong to both."""
        return self.bucket == other.bucket and (self.holds_key(other.location) or other.holds_key(self.location))

    def __str__(self) -> str:
        return f"bucket {self.bucket!r}, location {self.location!r}"


def scope(route: str) -> Scope:
    """The scope of a route's storage, from settings (proxied storages take it from nowhere else)."""
    options = resolve({}, route=route)
    return Scope(options.bucket, options.location)


def route_of(storage: Any) -> str | None:
    """The route serving a storage instance or class, if it is one of this library's proxied storages."""
    from .storage import BackblazeB2Storage

    cls = storage if isinstance(storage, type) else type(storage)
    if isinstance(cls, type) and issubclass(cls, BackblazeB2Storage) and cls.route in ROUTES:
        return cls.route
    return None


def shared_scopes(route: str) -> list[tuple[str, Scope]]:
    """The more privileged routes whose scope overlaps this route's, with their scopes: where a
    more privileged storage could write files this route's storage also reads."""
    mine = scope(route)
    shared = []
    for other in more_privileged(route):
        theirs = scope(other)
        if mine.overlaps(theirs):
            shared.append((other, theirs))
    return shared


class UnmarkedFiles:
    """Per process: where each route must not serve unmarked files, learnt once from settings,
    reset when settings change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scopes: dict[str, list[Scope] | None] = {}

    def _refused_scopes(self, route: str) -> list[Scope] | None:
        """None: this route serves every unmarked file (``serve_unmarked_files``)."""
        try:
            return self._scopes[route]
        except KeyError:
            pass
        with self._lock:
            if route not in self._scopes:
                try:
                    if resolve({}, route=route).serve_unmarked_files:
                        self._scopes[route] = None
                    else:
                        self._scopes[route] = [theirs for _other, theirs in shared_scopes(route)]
                except ImproperlyConfigured:
                    return [Scope("", "")]  # the storage reports the mistake; meanwhile refuse every unmarked file
            return self._scopes[route]

    def served(self, route: str, key: str) -> bool:
        """Whether ``route`` may serve the unmarked file ``key``: no more privileged storage could have
        written it, or the project chose to serve unmarked files."""
        refused = self._refused_scopes(route)
        return refused is None or not any(theirs.holds_key(key) for theirs in refused)

    def reset(self) -> None:
        with self._lock:
            self._scopes.clear()


unmarked_files = UnmarkedFiles()
