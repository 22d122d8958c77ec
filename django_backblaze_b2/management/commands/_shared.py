"""What the b2_* commands share: finding a storage by its STORAGES alias, showing progress."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from b2sdk.v2.exception import B2Error
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import InvalidStorageError, Storage, storages
from django.core.management.base import BaseCommand, CommandError

from ...operations.progress import Progress


def storage_for(alias: str) -> Storage:
    try:
        return storages[alias]
    except InvalidStorageError:
        known = ", ".join(sorted(settings.STORAGES)) or "none"
        raise CommandError(f"No storage {alias!r} in settings.STORAGES (configured: {known}).") from None


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
