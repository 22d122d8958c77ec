"""Django system checks (``manage.py check``) for configuration mistakes, offline (no B2 call).

- ``django_backblaze_b2.E010``: ``BACKBLAZE_CONFIG`` is invalid (an unknown option, a wrong type...).
- ``django_backblaze_b2.E011``: no credentials, and not on the simulated B2.
- ``django_backblaze_b2.E001``: ``/b2/`` (anyone) serves unmarked files where ``LoggedInStorage`` or
  ``StaffStorage`` files live (``serve_unmarked_files`` on, shared place).
- ``django_backblaze_b2.E002``: ``/b2l/`` (any logged-in user) does the same for ``StaffStorage`` files.
- ``django_backblaze_b2.E003``: ``BACKBLAZE_CONFIG["download_permission"]`` is not an importable callable.
- ``django_backblaze_b2.E050``: a ``STORAGES[alias]["OPTIONS"]`` of a B2 storage is invalid.
- ``django_backblaze_b2.E051`` / ``W051``: a proxied storage is used but ``django_backblaze_b2.urls`` is not in
  the URLconf, so its ``url()`` fails (``W051`` for ``PublicStorage``, which needs it only on a private bucket).

They are registered in :mod:`.system_checks`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

from ..access import ROUTES
from ..options import resolve, settings_config
from ..proxy import routes
from ..proxy.storages import LoggedInStorage, PublicStorage, StaffStorage
from ..proxy.urls import app_name as namespace
from ..storage import BackblazeB2Storage
from ..usage import configured_backends, file_fields

_IDS = {"public": "django_backblaze_b2.E001", "logged_in": "django_backblaze_b2.E002"}
_HINT = (
    "Mark the existing files with 'manage.py b2_mark_files' and turn 'serve_unmarked_files' off (the "
    "default), or give each route its own bucket (BACKBLAZE_CONFIG['specific_bucket_names']) or folder "
    "(BACKBLAZE_CONFIG['specific_locations'] = {'public': 'public', 'logged_in': 'members', 'staff': 'staff'})."
)


def check_route_separation(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Files of a more privileged route must not be reachable through a less privileged one.

    Marked files never are (the views check each file's mark), so this reports only what is truly
    exposed: unmarked files served (``serve_unmarked_files``) where a more privileged storage shares
    the place.
    """
    messages: list[CheckMessage] = []
    try:
        for route in ("public", "logged_in"):
            if not resolve({}, route=route).serve_unmarked_files:
                continue
            mine = routes.place(route)
            for other, theirs in routes.shared_places_of(route):
                messages.append(
                    Error(
                        f"Unmarked {routes.CLASS_NAMES[other]} files ({theirs}, such as files saved by 7.0.0) "
                        f"can be downloaded by {routes.ROUTE_TABLE[route].audience} through "
                        f"{routes.PATHS[route]}<name>: "
                        f"{routes.CLASS_NAMES[route]} reads the same place ({mine}) and 'serve_unmarked_files' "
                        "is on.",
                        hint=_HINT,
                        id=_IDS[route],
                    )
                )
    except ImproperlyConfigured:
        return []  # invalid options are reported where the storages are built
    return messages


def check_download_permission(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``download_permission`` must name a callable ``(request, storage, name) -> bool``."""
    try:
        path = settings_config().get("download_permission")
    except ImproperlyConfigured:
        return []
    if path is None:
        return []
    try:
        hook = import_string(path) if isinstance(path, str) else None
    except ImportError as error:
        return [_permission_error(f"cannot be imported: {error}")]
    if not callable(hook):
        return [_permission_error("is not the dotted path of a callable")]
    return []


def _permission_error(problem: str) -> Error:
    return Error(
        f"BACKBLAZE_CONFIG['download_permission'] {problem}.",
        hint="Set it to the dotted path of a function (request, storage, name) -> bool, "
        "such as 'myproject.permissions.may_download'.",
        id="django_backblaze_b2.E003",
    )


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``BACKBLAZE_CONFIG`` must resolve, and name credentials unless the simulated B2 is on."""
    try:
        options = resolve({}, source="BACKBLAZE_CONFIG")
    except ImproperlyConfigured as error:
        return [
            Error(
                str(error),
                hint="Fix BACKBLAZE_CONFIG in your settings; the message names the option.",
                id="django_backblaze_b2.E010",
            )
        ]
    if options.simulator or options.has_credentials:
        return []
    return [
        Error(
            "BACKBLAZE_CONFIG has no B2 credentials: storages of django-backblaze-b2 cannot reach B2.",
            hint="Set BACKBLAZE_CONFIG['application_key_id'] and ['application_key'] (from the environment, "
            "never in code), or BACKBLAZE_CONFIG['simulator'] = True for a simulated B2 in development.",
            id="django_backblaze_b2.E011",
        )
    ]


def check_storage_options(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Each B2 backend's ``STORAGES[alias]["OPTIONS"]`` must resolve (Django builds storages lazily, so a
    mistake there would otherwise surface on the first request that touches the storage)."""
    try:
        resolve({})
    except ImproperlyConfigured:
        return []  # BACKBLAZE_CONFIG itself is wrong: E010 says so, and every storage would repeat it
    messages: list[CheckMessage] = []
    for alias, backend, options in configured_backends():
        if issubclass(backend, BackblazeB2Storage):
            problem = storage_options_problem(alias, backend, options)
            if problem is not None:
                where = f"STORAGES[{alias!r}]['OPTIONS']"
                messages.append(
                    Error(
                        problem,
                        hint=f"Fix {where} in your settings; the message names the option.",
                        id="django_backblaze_b2.E050",
                    )
                )
    return messages


def storage_options_problem(alias: str, backend: type[BackblazeB2Storage], options: dict[str, Any]) -> str | None:
    """What is wrong with a B2 backend's ``STORAGES[alias]["OPTIONS"]``, naming them, or None."""
    where = f"STORAGES[{alias!r}]['OPTIONS']"
    try:
        resolve(options, route=backend.route, source=where)
    except ImproperlyConfigured as error:
        message = str(error)
        return message if where in message else f"{where}: {message}"
    return None


def check_routes_reachable(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A proxied storage's ``url()`` reverses its route: ``django_backblaze_b2.urls`` must be included."""
    places: dict[str, list[str]] = {}
    for alias, backend, _options in configured_backends():
        route = routes.route_of(backend)
        if route:
            places.setdefault(route, []).append(f"STORAGES[{alias!r}]")
    for label, field in file_fields():
        if field.storage is default_storage:
            continue  # STORAGES["default"], above (its __class__ would build it)
        route = routes.route_of(field.storage)
        if route:
            places.setdefault(route, []).append(label)
    messages: list[CheckMessage] = []
    for route in ROUTES:
        if route not in places or route_is_reachable(route):
            continue
        public = route == "public"
        make = Warning if public else Error
        messages.append(
            make(
                f"{routes.CLASS_NAMES[route]} (used by {', '.join(places[route])}) builds its URLs with "
                f"{routes.PATHS[route]}<name>, but that route is not in the URLconf: url() raises NoReverseMatch"
                + (" unless its bucket is allPublic." if public else "."),
                hint="Add path('', include('django_backblaze_b2.urls')) to your project's urlpatterns.",
                id="django_backblaze_b2.W051" if public else "django_backblaze_b2.E051",
            )
        )
    return messages


PROXIED_STORAGES = {storage.route: storage for storage in (PublicStorage, LoggedInStorage, StaffStorage)}


def route_is_reachable(route: str) -> bool:
    if not getattr(settings, "ROOT_URLCONF", None):
        return False  # no URLconf at all (a project that only runs commands): no route either
    try:
        reverse(f"{namespace}:{PROXIED_STORAGES[route].url_name}", args=["x"])
    except NoReverseMatch:
        return False
    return True
