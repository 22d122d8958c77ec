"""``manage.py b2_orphans [--delete]``: see :mod:`django_backblaze_b2.operations.orphans`."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ...operations.inventory import StoredFile
from ...operations.orphans import DeleteOutcome, OrphanScan, delete_orphans, find_orphans
from ...operations.progress import human_bytes
from ._shared import b2_errors_as_command_errors, progress_for, storage_for
from .b2_copy_media import STORAGE_HELP


class Command(BaseCommand):
    help = (
        "List the files of a storage that no FileField row refers to, with their sizes and a total; "
        "--delete removes them (after confirmation), re-checking them against the database first."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--storage", default="default", metavar="STORAGE", help=f"{STORAGE_HELP} (default: default)"
        )
        parser.add_argument("--prefix", default="", metavar="FOLDER", help="only files in this folder")
        parser.add_argument(
            "--min-age",
            type=float,
            default=1.0,
            metavar="HOURS",
            help="leave files younger than this alone: their rows may not be saved yet (default 1)",
        )
        parser.add_argument("--delete", action="store_true", help="delete the orphans")
        parser.add_argument("--workers", type=int, default=8, help="files deleted at once (default 8)")
        parser.add_argument(
            "--no-input", "--noinput", action="store_false", dest="interactive", help="don't ask before deleting"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["min_age"] < 0:
            raise CommandError("--min-age must be zero or more hours.")
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1.")
        with b2_errors_as_command_errors():
            storage = storage_for(options["storage"])
            try:
                scan = find_orphans(
                    storage, folder=options["prefix"].strip("/"), min_age=timedelta(hours=options["min_age"])
                )
            except ValueError as error:
                raise CommandError(f"{options['storage']!r}: {error}") from error
            self.stdout.write(f"Files referenced by {scan.references.describe()}.")
            if options["delete"] and not options["interactive"]:
                self.delete(storage, scan, options)  # one pass: list, merge and delete as it goes
                return
            self.report(scan, options)
            if not options["delete"] or not scan.orphans:
                return
            answer = input(f"Delete these {scan.orphans} file(s)? Type 'yes' to continue: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing deleted.")
            self.delete(storage, scan, options)

    def report(self, scan: OrphanScan, options: dict[str, Any]) -> None:
        for found in scan:
            if not found.too_young:
                self.show(found.file)
        self.stdout.write(f"{scan.orphans} orphaned file(s), {human_bytes(scan.orphan_bytes)} in total.")
        if scan.too_young:
            self.stdout.write(
                f"{scan.too_young} unreferenced file(s) younger than {options['min_age']:g} hour(s) left alone."
            )

    def show(self, orphan: StoredFile) -> None:
        uploaded = orphan.uploaded_at.strftime("%Y-%m-%d %H:%M") if orphan.uploaded_at else "?"
        self.stdout.write(f"{human_bytes(orphan.size):>10}  {uploaded}  {orphan.name}")

    def delete(self, storage: Any, scan: OrphanScan, options: dict[str, Any]) -> None:
        progress = progress_for(self, scan.orphans if options["interactive"] else 0)
        listing = not options["interactive"]

        def on_file(outcome: DeleteOutcome) -> None:
            if outcome.action == "too young":
                return
            if outcome.action != "deleted" or listing:
                progress.clear()
            if outcome.action == "kept":
                self.stdout.write(f"kept {outcome.name}: a row refers to it now")
            elif outcome.action == "failed":
                self.stderr.write(f"  failed: {outcome.name}: {outcome.error}")
            elif listing:
                self.stdout.write(f"deleted {human_bytes(outcome.size):>10}  {outcome.name}")
            progress.update(outcome.action, outcome.size)

        report = delete_orphans(storage, scan, workers=options["workers"], on_file=on_file)
        progress.finish()
        if listing:
            self.stdout.write(f"{report.orphans} orphaned file(s), {human_bytes(report.orphan_bytes)} in total.")
            if report.counts["too young"]:
                self.stdout.write(
                    f"{report.counts['too young']} unreferenced file(s) younger than {options['min_age']:g} hour(s) "
                    "left alone."
                )
        self.stdout.write(f"Deleted {report.counts['deleted']} file(s), {human_bytes(report.bytes['deleted'])}.")
        if report.counts["failed"]:
            raise CommandError(f"{report.counts['failed']} file(s) could not be deleted (listed above).")
