"""What the b2_* commands share: finding a storage by name, showing progress, B2 errors as command errors.

A storage is named by its ``STORAGES`` alias, by a proxy route ("public", "logged_in", "staff":
the storages of ``PublicStorage``, ``LoggedInStorage`` and ``StaffStorage``), or by a file field as
``app_label.Model.field`` (the storage that field saves to), so storages that only model fields use
need no invented alias.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from b2sdk.v2.exception import B2Error
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.core.files.storage import InvalidStorageError, Storage, storages
from django.core.management.base import BaseCommand, CommandError
from django.db.models import FileField

from ... import access
from ...operations.progress import Progress
from ...proxy import routes


def storage_for(name: str) -> Storage:
    """The storage a command argument names: an alias, a route, or ``app_label.Model.field``."""
    if name in settings.STORAGES:
        try:
            return storages[name]
        except InvalidStorageError as error:
            raise CommandError(f"settings.STORAGES[{name!r}]: {error}") from None
    if name in access.ROUTES:
        return _route_storage(name)
    if name.count(".") == 2:
        return _field_storage(name)
    known = ", ".join(sorted(settings.STORAGES)) or "none"
    raise CommandError(
        f"No storage {name!r} in settings.STORAGES (configured: {known}). Name a STORAGES alias, a proxy route "
        f"({', '.join(access.ROUTES)}) or a file field as app_label.Model.field."
    )


def _route_storage(route: str) -> Storage:
    from ... import storages as proxied

    storage: Storage = getattr(proxied, routes.CLASS_NAMES[route])()
    return storage


def _field_storage(label: str) -> Storage:
    app_label, model_name, field_name = label.split(".")
    try:
        model = apps.get_model(app_label, model_name)
        field = model._meta.get_field(field_name)
    except (LookupError, FieldDoesNotExist) as error:
        raise CommandError(f"No file field {label!r}: {error}") from None
    if not isinstance(field, FileField):
        raise CommandError(f"{label!r} is a {type(field).__name__}, not a FileField: it stores no files.")
    storage: Storage = field.storage
    return storage


def progress_for(command: BaseCommand, total_files: int = 0) -> Progress:
    """A progress line on the command's stderr: redrawn in place on a terminal, plain lines in a log."""

    def show(text: str) -> None:
        # As is: OutputWrapper would add a newline to each redraw and colour it as an error.
        command.stderr.write(text, style_func=lambda plain: plain, ending="")
        command.stderr.flush()

    return Progress(show, tty=command.stderr.isatty(), total_files=total_files)


@contextmanager
def b2_errors_as_command_errors() -> Iterator[None]:
    """A failure that stops the whole command (B2 unreachable, bad settings) as a one-line error."""
    try:
        yield
    except (B2Error, ImproperlyConfigured) as error:
        raise CommandError(
            f"{type(error).__name__}: {error}. Run 'manage.py b2_check' to check the B2 settings."
        ) from error
