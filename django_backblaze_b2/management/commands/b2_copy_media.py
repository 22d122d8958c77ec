"""``manage.py b2_copy_media --from default-live --to default``: see :mod:`django_backblaze_b2.operations.copy`."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ...operations.copy import CopyOutcome, copy_media
from ...operations.progress import human_bytes
from ...operations.references import References
from ._shared import b2_errors_as_command_errors, progress_for, storage_for


class Command(BaseCommand):
    help = (
        "Copy the files that FileFields refer to (or, with --all, every file) from one storage in "
        "settings.STORAGES to another. Between B2 storages of one account the copy stays inside B2. "
        "Files already at the destination with the same content are skipped, so a run can be repeated."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--from", dest="source", required=True, metavar="ALIAS", help="storage to copy from")
        parser.add_argument("--to", dest="destination", required=True, metavar="ALIAS", help="storage to copy to")
        parser.add_argument("--all", action="store_true", help="copy every file of the source, referenced or not")
        parser.add_argument("--prefix", default="", metavar="FOLDER", help="only files in this folder")
        parser.add_argument("--dry-run", action="store_true", help="report what would be copied; copy nothing")
        parser.add_argument("--workers", type=int, default=4, help="files copied at once (default 4)")

    def handle(self, *args: Any, **options: Any) -> None:
        with b2_errors_as_command_errors():
            self.copy(**options)

    def copy(self, **options: Any) -> None:
        source = storage_for(options["source"])
        destination = storage_for(options["destination"])
        folder = options["prefix"].strip("/")
        names = None
        if not options["all"]:
            references = References.to(source, destination)
            if not references.fields:
                raise CommandError(
                    f"No FileField stores its files in {options['source']!r} or {options['destination']!r}: "
                    "use --all to copy every file of the source."
                )
            names = sorted(references.names())
            if folder:
                names = [name for name in names if name.startswith(f"{folder}/")]
            self.stdout.write(f"{len(names)} file(s) referenced by {references.describe()}.")
        progress = progress_for(self)

        def on_start(total: int) -> None:
            progress.total_files = total

        def on_file(outcome: CopyOutcome) -> None:
            progress.update(outcome.action, outcome.size)

        try:
            report = copy_media(
                source,
                destination,
                names,
                folder=folder,
                dry_run=options["dry_run"],
                workers=options["workers"],
                on_start=on_start,
                on_file=on_file,
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        progress.finish()

        counts = report.counts
        verb = "would copy" if options["dry_run"] else "copied"
        self.stdout.write(
            f"{counts[verb]} {verb} ({human_bytes(sum(o.size for o in report.outcomes if o.action == verb))}), "
            f"{counts['skipped']} already there, {counts['failed']} failed."
        )
        for failure in report.failures:
            self.stderr.write(f"  failed: {failure.name}: {failure.error}")
        if report.failures:
            raise CommandError(
                f"{len(report.failures)} file(s) could not be copied (listed above); run the command again "
                "to retry them: files already copied are skipped."
            )
