"""Django system checks (``manage.py check``) for configuration mistakes, offline (no B2 call).

- ``django_backblaze_b2.E010``: ``BACKBLAZE_CONFIG`` is invalid (an unknown option, a wrong type...).
- ``django_backblaze_b2.E011``: no credentials, and not on the simulated B2.
- ``django_backblaze_b2.E001``: ``/b2/`` (anyone) serves unmarked files where ``LoggedInStorage`` or
  ``StaffStorage`` files live (``serve_unmarked_files`` on, shared place).
- ``django_backblaze_b2.E002``: ``/b2l/`` (any logged-in user) does the same for ``StaffStorage`` files.
- ``django_backblaze_b2.E003``: ``BACKBLAZE_CONFIG["download_permission"]`` is not an importable callable.
"""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from . import routes
from .options import resolve, settings_config

_AUDIENCE = {"public": "anyone", "logged_in": "any logged-in user"}
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
            mine = routes.scope(route)
            for other, theirs in routes.shared_scopes(route):
                messages.append(
                    Error(
                        f"Unmarked {routes.CLASS_NAMES[other]} files ({theirs}, such as files saved by 7.0.0) "
                        f"can be downloaded by {_AUDIENCE[route]} through {routes.PATHS[route]}<name>: "
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
