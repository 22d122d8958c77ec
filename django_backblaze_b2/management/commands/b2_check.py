"""``manage.py b2_check``: see :mod:`django_backblaze_b2.operations.check`."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from ...operations.check import b2_storage_aliases, check_storage, describe
from ...storage import BackblazeB2Storage
from ._shared import storage_for

MARKS = {"ok": "ok  ", "warning": "warn", "error": "FAIL"}


class Command(BaseCommand):
    help = (
        "Check every B2 storage in settings.STORAGES: credentials, bucket, the key's capabilities, and "
        "writing, reading and deleting a probe file. Exits non-zero when something is wrong."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--storage", action="append", dest="aliases", metavar="ALIAS", help="check only this alias (repeatable)"
        )
        parser.add_argument("--no-probe", action="store_true", help="don't write, read and delete a probe file")

    def handle(self, *args: Any, **options: Any) -> None:
        aliases = options["aliases"] or b2_storage_aliases()
        if not aliases:
            raise CommandError("No storage in settings.STORAGES uses a django-backblaze-b2 backend.")
        errors = warnings = 0
        for alias in aliases:
            try:
                storage = storage_for(alias)
                if not isinstance(storage, BackblazeB2Storage):
                    raise CommandError(f"Storage {alias!r} is a {type(storage).__name__}, not a B2 storage.")
                location = f", location {storage.options.location!r}" if storage.options.location else ""
            except CommandError:
                raise
            except Exception as error:
                # Reported like any other finding, so the storages after it are still checked.
                problem = str(error) if isinstance(error, ImproperlyConfigured) else describe(error)
                self.stdout.write(alias)
                self.stdout.write(f"  {MARKS['error']}  settings: {problem}", self.style.ERROR)
                errors += 1
                continue
            self.stdout.write(f"{alias} ({type(storage).__name__}, bucket {storage.options.bucket!r}{location})")
            for finding in check_storage(storage, probe=not options["no_probe"]):
                style = {"ok": self.style.SUCCESS, "warning": self.style.WARNING, "error": self.style.ERROR}
                self.stdout.write(
                    f"  {MARKS[finding.status]}  {finding.step}: {finding.message}", style[finding.status]
                )
                errors += finding.status == "error"
                warnings += finding.status == "warning"
        if errors:
            raise CommandError(f"{errors} problem(s) found in B2 storages (marked FAIL above).")
        self.stdout.write(f"All {len(aliases)} B2 storage(s) work ({warnings} warning(s)).")
