"""Access marks: which proxy route a stored file belongs to, written with the file itself.

A proxied storage (``PublicStorage``, ``LoggedInStorage``, ``StaffStorage``) stores its route in the
file's B2 file info under :data:`MARK_KEY` on every upload and server-side copy. A proxy route reads
the mark from the metadata it already has for the response (no extra B2 call) and never serves a
file marked for a more privileged route, however the settings place the routes' files and however
the storage was used (a model field, ``StaffStorage().save()`` in a task, ``b2_copy_media``).

A plain ``BackblazeB2Storage`` (no route: its files are reached through ``url()``, expiring links or
your own views) marks what it writes :data:`PRIVATE`, which no route serves. Files without a mark
(saved by 7.0.0 or by hand) are served only where no more privileged storage could have written them,
unless ``serve_unmarked_files`` says otherwise; ``manage.py b2_mark_files`` marks existing files from
the model rows that refer to them.
"""

from __future__ import annotations

from collections.abc import Mapping

#: The proxy routes, least to most privileged.
ROUTES = ("public", "logged_in", "staff")
#: The mark of files written by a storage of no route: served by none.
PRIVATE = "private"
#: Every mark, least to most privileged.
LEVELS = (*ROUTES, PRIVATE)

#: The B2 file info name of the mark. Lowercase, because B2 lowercases file info names.
MARK_KEY = "django-b2-route"
#: B2 keeps at most 10 file info entries per file, the stored headers (``b2-cache-control``...) included.
MAX_FILE_INFO = 10


def mark_info(mark: str | None) -> dict[str, str]:
    """The file info that marks a file ``mark`` (one of :data:`LEVELS`; nothing for None)."""
    if mark is None:
        return {}
    if mark not in LEVELS:
        raise ValueError(f"Unknown access mark {mark!r}: use one of {', '.join(LEVELS)}.")
    return {MARK_KEY: mark}


def marked_route(file_info: Mapping[str, str] | None) -> str | None:
    """A file's mark (one of :data:`LEVELS`); :data:`PRIVATE` for a value this library does not write
    (the safe reading of a tampered or unknown one); None when unmarked."""
    if not file_info:
        return None
    # B2 lowercases file info names: whatever case a name was written in, B2 serves it as the mark.
    values = [value for key, value in file_info.items() if key.lower() == MARK_KEY]
    if not values:
        return None
    return values[0] if len(values) == 1 and values[0] in LEVELS else PRIVATE


def more_privileged(route: str) -> tuple[str, ...]:
    """The routes above ``route``."""
    return ROUTES[ROUTES.index(route) + 1 :]


def stricter(mark: str | None, level: str) -> str:
    """The more privileged of a file's mark and a storage's level (its route, or :data:`PRIVATE`):
    what a copy of the file into that storage is marked (a copy is never less private than its source)."""
    if mark is not None and LEVELS.index(mark) > LEVELS.index(level):
        return mark
    return level


def allows(route: str, file_info: Mapping[str, str] | None, *, unmarked_allowed: bool) -> bool:
    """Whether ``route`` may serve a file with this file info.

    A marked file is served by its own route and by more privileged ones (staff may read public
    files in a shared bucket); an unmarked file only where ``unmarked_allowed``.
    """
    mark = marked_route(file_info)
    if mark is None:
        return unmarked_allowed
    return LEVELS.index(mark) <= LEVELS.index(route)
