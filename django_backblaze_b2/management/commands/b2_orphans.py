"""``manage.py b2_orphans [--delete]``: see :mod:`django_backblaze_b2.operations.orphans`."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ...operations.orphans import DeleteOutcome, delete_orphans, find_orphans
from ...operations.progress import human_bytes
from ._shared import b2_errors_as_command_errors, progress_for, storage_for


class Command(BaseCommand):
    help = (
        "List the files of a storage that no FileField row refers to, with their sizes and a total; "
        "--delete removes them (after confirmation), re-checking each against the database first."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--storage", default="default", metavar="ALIAS", help="storage alias (default: default)")
        parser.add_argument("--prefix", default="", metavar="FOLDER", help="only files in this folder")
        parser.add_argument(
            "--min-age",
            type=float,
            default=1.0,
            metavar="HOURS",
            help="leave files younger than this alone: their rows may not be saved yet (default 1)",
        )
        parser.add_argument("--delete", action="store_true", help="delete the orphans")
        parser.add_argument(
            "--no-input", "--noinput", action="store_false", dest="interactive", help="don't ask before deleting"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        storage = storage_for(options["storage"])
        if options["min_age"] < 0:
            raise CommandError("--min-age must be zero or more hours.")
        try:
            with b2_errors_as_command_errors():
                report = find_orphans(
                    storage, folder=options["prefix"].strip("/"), min_age=timedelta(hours=options["min_age"])
                )
        except ValueError as error:
            raise CommandError(f"{options['storage']!r}: {error}") from error

        self.stdout.write(f"Files referenced by {report.references.describe()}.")
        for orphan in report.orphans:
            uploaded = orphan.uploaded_at.strftime("%Y-%m-%d %H:%M") if orphan.uploaded_at else "?"
            self.stdout.write(f"{human_bytes(orphan.size):>10}  {uploaded}  {orphan.name}")
        self.stdout.write(f"{len(report.orphans)} orphaned file(s), {human_bytes(report.total_bytes)} in total.")
        if report.too_young:
            self.stdout.write(
                f"{len(report.too_young)} unreferenced file(s) younger than {options['min_age']:g} hour(s) left alone."
            )
        if not options["delete"] or not report.orphans:
            return
        if options["interactive"]:
            answer = input(f"Delete these {len(report.orphans)} file(s)? Type 'yes' to continue: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing deleted.")

        progress = progress_for(self, len(report.orphans))

        def on_file(outcome: DeleteOutcome) -> None:
            progress.update(outcome.action, outcome.size)
            if outcome.action == "kept":
                self.stdout.write(f"kept {outcome.name}: a row refers to it now")

        outcomes = delete_orphans(storage, report, on_file=on_file)
        progress.finish()
        deleted = [outcome for outcome in outcomes if outcome.action == "deleted"]
        failed = [outcome for outcome in outcomes if outcome.action == "failed"]
        self.stdout.write(f"Deleted {len(deleted)} file(s), {human_bytes(sum(o.size for o in deleted))}.")
        for failure in failed:
            self.stderr.write(f"  failed: {failure.name}: {failure.error}")
        if failed:
            raise CommandError(f"{len(failed)} file(s) could not be deleted (listed above).")
