"""The three proxy routes: which storage class each serves, where its files live, and what it must not serve.

A route's *scope* is the bucket and location (key prefix) its storage reads. When a less privileged
route's scope reaches into the scope of a more privileged storage that is in use (7.0.0's default:
every route on one bucket, no location), files saved for staff would be downloadable by anyone.
:func:`exposed_scopes` finds those overlaps; ``checks.py`` reports them and the views refuse to serve
keys inside them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from .options import resolve

#: Least to most privileged.
ROUTES = ("public", "logged_in", "staff")
URL_NAMES = {"public": "b2-public", "logged_in": "b2-logged-in", "staff": "b2-staff"}
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


def routes_in_use() -> set[str]:
    """Routes whose storage class is configured in ``STORAGES`` or used by a model's file field."""
    from .usage import configured_backends, file_fields

    classes = [backend for _alias, backend, _options in configured_backends()]
    # field.storage.__class__ resolves default_storage (a lazy object) to the configured class, without B2.
    classes += [field.storage.__class__ for _label, field in file_fields()]
    return {route for route in map(route_of, classes) if route}


def exposed_scopes(route: str, in_use: set[str] | None = None) -> list[tuple[str, Scope]]:
    """The more privileged routes in use whose files this route's scope reaches, with their scopes."""
    used = routes_in_use() if in_use is None else in_use
    mine = scope(route)
    exposed = []
    for other in ROUTES[ROUTES.index(route) + 1 :]:
        if other in used:
            theirs = scope(other)
            if mine.overlaps(theirs):
                exposed.append((other, theirs))
    return exposed


class RefusedKeys:
    """Per process: the scopes each route must not serve from, learnt once, reset when settings change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scopes: dict[str, list[Scope]] = {}

    def scopes(self, route: str) -> list[Scope]:
        try:
            return self._scopes[route]
        except KeyError:
            pass
        with self._lock:
            if route not in self._scopes:
                try:
                    self._scopes[route] = [theirs for _other, theirs in exposed_scopes(route)]
                except ImproperlyConfigured:
                    self._scopes[route] = []  # the storage itself will report the mistake
            return self._scopes[route]

    def refuses(self, route: str, key: str) -> bool:
        return any(theirs.holds_key(key) for theirs in self.scopes(route))

    def reset(self) -> None:
        with self._lock:
            self._scopes.clear()


refused_keys = RefusedKeys()
