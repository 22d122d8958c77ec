"""``manage.py b2_cancel_direct_uploads [--older-than HOURS] [--dry-run]``: see
:mod:`django_backblaze_b2.direct_uploads.cleanup`."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ...direct_uploads.cleanup import leftovers, remove
from ...direct_uploads.incoming import b2_storages_in_use
from ._shared import b2_errors_as_command_errors


class Command(BaseCommand):
    help = (
        "Cancel the direct uploads nobody finished (B2 bills their parts until then) and delete finished "
        "ones no form saved, in every B2 storage the project uses. Not needed where the bucket has the "
        "lifecycle rule of direct_uploads.lifecycle_rule()."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--older-than",
            type=float,
            default=24.0,
            metavar="HOURS",
            help="only uploads started longer ago than this (default 24: a grant lives a day)",
        )
        parser.add_argument("--dry-run", action="store_true", help="list them, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["older_than"] < 0:
            raise CommandError("--older-than must be zero or more hours.")
        found = 0
        with b2_errors_as_command_errors():
            for where, storage in b2_storages_in_use():
                for leftover in leftovers(storage, older_than=options["older_than"] * 3600):
                    found += 1
                    kind = "finished, not saved" if leftover.finished else "unfinished"
                    verb = "would remove" if options["dry_run"] else "removing"
                    self.stdout.write(f"{where}: {verb} {leftover.file_name} ({kind})")
                    if not options["dry_run"]:
                        remove(storage, leftover)
        self.stdout.write(f"{found} abandoned direct upload(s){' found' if options['dry_run'] else ' removed'}.")
