"""Access marks: which proxy route a stored file belongs to, written with the file itself.

A proxied storage (``PublicStorage``, ``LoggedInStorage``, ``StaffStorage``) stores its route in the
file's B2 file info under :data:`MARK_KEY` on every upload and server-side copy. A proxy route reads
the mark from the metadata it already has for the response (no extra B2 call) and never serves a
file marked for a more privileged route, however the settings place the routes' files and however
the storage was used (a model field, ``StaffStorage().save()`` in a task, ``b2_copy_media``).

Files without a mark (saved by 7.0.0, by hand, or by a plain ``BackblazeB2Storage``) are served only
where no more privileged storage could have written them, unless ``serve_unmarked_files`` says
otherwise; ``manage.py b2_mark_files`` marks existing files from the model rows that refer to them.
"""

from __future__ import annotations

from collections.abc import Mapping

#: Least to most privileged.
ROUTES = ("public", "logged_in", "staff")

#: The B2 file info name of the mark. Lowercase, because B2 lowercases file info names.
MARK_KEY = "django-b2-route"


def mark_info(route: str | None) -> dict[str, str]:
    """The file info that marks a file for ``route`` (nothing for a storage without a route)."""
    if route is None:
        return {}
    if route not in ROUTES:
        raise ValueError(f"Unknown proxy route {route!r}: use one of {', '.join(ROUTES)}.")
    return {MARK_KEY: route}


def marked_route(file_info: Mapping[str, str] | None) -> str | None:
    """The route a file is marked for; ``"staff"`` for a mark this library did not write (the safe
    reading of a tampered or unknown value); None when unmarked."""
    if not file_info:
        return None
    value = file_info.get(MARK_KEY)
    if value is None:
        return None
    return value if value in ROUTES else ROUTES[-1]


def more_privileged(route: str) -> tuple[str, ...]:
    """The routes above ``route``."""
    return ROUTES[ROUTES.index(route) + 1 :]


def allows(route: str, file_info: Mapping[str, str] | None, *, unmarked_allowed: bool) -> bool:
    """Whether ``route`` may serve a file with this file info.

    A marked file is served by its own route and by more privileged ones (staff may read public
    files in a shared bucket); an unmarked file only where ``unmarked_allowed``.
    """
    mark = marked_route(file_info)
    if mark is None:
        return unmarked_allowed
    return ROUTES.index(mark) <= ROUTES.index(route)
