"""The three proxy routes: which storage class each serves, where its files live, and what it must not serve.

A route's *place* is the bucket and location (B2 file name prefix) its storage reads. Files carry an
access mark (:mod:`.access`) that the views check, so a file saved for staff is never served on a less
privileged route, whatever the places. Unmarked files are the exception to decide: where a route's
place overlaps a more privileged route's (7.0.0's default: every route on one bucket, no location) or
a plain B2 storage's, :data:`shared_places` refuses them unless ``serve_unmarked_files`` is on;
``checks.py`` reports the overlaps that are then exposed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from ..access import ROUTES, more_privileged
from ..options import resolve
from ..storage import BackblazeB2Storage
from ..usage import configured_backends, file_fields

#: ``django_backblaze_b2.urls``'s ``app_name``: ``reverse("django_b2_storage:b2-public", ...)``.
NAMESPACE = "django_b2_storage"


@dataclass(frozen=True)
class Route:
    """One proxy route: its name (the storages' ``route``), URL, URL name, storage class, audience."""

    name: str
    path: str  # under the URLconf's include, without the file name
    url_name: str
    storage_class: str
    audience: str


#: The one route table: the storages, the views, the URLconf and the checks all read it.
ROUTE_TABLE = {
    route.name: route
    for route in (
        Route("public", "b2/", "b2-public", "PublicStorage", "anyone"),
        Route("logged_in", "b2l/", "b2-logged-in", "LoggedInStorage", "any logged-in user"),
        Route("staff", "b2s/", "b2-staff", "StaffStorage", "staff"),
    )
}
assert tuple(ROUTE_TABLE) == ROUTES  # least to most privileged, as access.ROUTES says
PATHS = {name: f"/{route.path}" for name, route in ROUTE_TABLE.items()}
CLASS_NAMES = {name: route.storage_class for name, route in ROUTE_TABLE.items()}


@dataclass(frozen=True)
class Place:
    """Where one route's files live: a bucket and a file name prefix ("" for the whole bucket)."""

    bucket: str
    location: str

    def holds(self, file_name: str) -> bool:
        return self.location == "" or file_name == self.location or file_name.startswith(f"{self.location}/")

    def overlaps(self, other: Place) -> bool:
        """Whether some file name could belong to both."""
        return self.bucket == other.bucket and (self.holds(other.location) or other.holds(self.location))

    def __str__(self) -> str:
        return f"bucket {self.bucket!r}, location {self.location!r}"


def place(route: str) -> Place:
    """The place of a route's storage, from settings (proxied storages take it from nowhere else)."""
    options = resolve({}, route=route)
    return Place(options.bucket, options.location)


def route_of(storage: Any) -> str | None:
    """The route serving a storage instance or class, if it is one of this library's proxied storages."""
    cls = storage if isinstance(storage, type) else type(storage)
    if isinstance(cls, type) and issubclass(cls, BackblazeB2Storage) and cls.route in ROUTES:
        return cls.route
    return None


def shared_places_of(route: str) -> list[tuple[str, Place]]:
    """The more privileged routes whose place overlaps this route's, with their places: where a
    more privileged storage could write files this route's storage also reads."""
    mine = place(route)
    shared = []
    for other in more_privileged(route):
        theirs = place(other)
        if mine.overlaps(theirs):
            shared.append((other, theirs))
    return shared


def private_places(route: str) -> list[Place]:
    """The places of the plain B2 storages a project configures (``STORAGES``, model fields) that
    overlap this route's: their files (7.0.0's, unmarked) are not this route's to serve."""
    places: set[Place] = set()
    for _alias, backend, options in configured_backends():
        if issubclass(backend, BackblazeB2Storage) and backend.route is None:
            try:
                resolved = resolve(options, route=None)
            except ImproperlyConfigured:
                continue  # reported by the checks
            places.add(Place(resolved.bucket, resolved.location))
    for _label, field in file_fields():
        storage = field.storage
        if isinstance(storage, BackblazeB2Storage) and storage.route is None:
            try:
                places.add(Place(storage.options.bucket, storage.options.location))
            except ImproperlyConfigured:
                continue
    mine = place(route)
    return sorted((other for other in places if mine.overlaps(other)), key=str)


class SharedPlaces:
    """Per process: where each route's place is shared with a more private storage, learnt once from
    settings, reset when settings change. A route serves no unmarked file there (unless
    ``serve_unmarked_files``), and redirects to no file there (a token is for a name, and a more
    private storage may write that name, or a longer one, while the token lives)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._places: dict[str, list[Place]] = {}
        self._serve_unmarked: dict[str, bool] = {}

    def _learn(self, route: str) -> tuple[list[Place], bool]:
        try:
            return self._places[route], self._serve_unmarked[route]
        except KeyError:
            pass
        with self._lock:
            if route not in self._places:
                try:
                    serve_unmarked = resolve({}, route=route).serve_unmarked_files
                    places = [theirs for _other, theirs in shared_places_of(route)] + private_places(route)
                except ImproperlyConfigured:
                    # The storage reports the mistake; meanwhile every place counts as shared.
                    return [Place("", "")], False
                self._places[route], self._serve_unmarked[route] = places, serve_unmarked
            return self._places[route], self._serve_unmarked[route]

    def shared(self, route: str, file_name: str) -> bool:
        """Whether a more private storage could write ``file_name`` in this route's place."""
        places, _serve_unmarked = self._learn(route)
        return any(theirs.holds(file_name) for theirs in places)

    def serves_unmarked(self, route: str, file_name: str) -> bool:
        """Whether ``route`` may serve the unmarked file ``file_name``: no more private storage could have
        written it, or the project chose to serve unmarked files."""
        _places, serve_unmarked = self._learn(route)
        return serve_unmarked or not self.shared(route, file_name)

    def reset(self) -> None:
        with self._lock:
            self._places.clear()
            self._serve_unmarked.clear()


shared_places = SharedPlaces()
