"""``manage.py b2_copy_media --from default-live --to default``: see :mod:`django_backblaze_b2.operations.copy`."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ...operations.copy import CopyError, CopyOutcome, copy_media
from ...operations.progress import human_bytes
from ...operations.references import References
from ._shared import b2_errors_as_command_errors, progress_for, storage_for

STORAGE_HELP = "a STORAGES alias, a proxy route (public, logged_in, staff) or a file field (app_label.Model.field)"


class Command(BaseCommand):
    help = (
        "Copy the files that FileFields refer to (or, with --all, every file) from one storage to another. "
        "Between B2 storages of one account the copy stays inside B2. Files already at the destination with "
        "the same content are skipped, so a run can be repeated or resumed."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--from", dest="source", required=True, metavar="STORAGE", help=f"from {STORAGE_HELP}")
        parser.add_argument("--to", dest="destination", required=True, metavar="STORAGE", help=f"to {STORAGE_HELP}")
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
        total = 0
        if not options["all"]:
            references = References.to(source, destination)
            if not references.fields:
                raise CommandError(
                    f"No FileField stores its files in {options['source']!r} or {options['destination']!r}: "
                    "use --all to copy every file of the source."
                )
            total = references.count(folder)
            names = references.sorted_names(folder)
            self.stdout.write(f"{total} file(s) referenced by {references.describe()}.")
        progress = progress_for(self, total)

        def on_file(outcome: CopyOutcome) -> None:
            if outcome.action == "failed":
                progress.clear()
                self.stderr.write(f"  failed: {outcome.name}: {outcome.error}")
            progress.update(outcome.action, outcome.size)

        def on_warning(text: str) -> None:
            self.stderr.write(self.style.WARNING(f"Warning: {text}"))

        try:
            report = copy_media(
                source,
                destination,
                names,
                folder=folder,
                dry_run=options["dry_run"],
                workers=options["workers"],
                on_file=on_file,
                on_warning=on_warning,
            )
        except CopyError as error:
            raise CommandError(str(error)) from error
        progress.finish()

        counts, sizes = report.counts, report.bytes
        verb = "would copy" if options["dry_run"] else "copied"
        self.stdout.write(
            f"{counts[verb]} {verb} ({human_bytes(sizes[verb])}), {counts['skipped']} already there "
            f"({human_bytes(sizes['skipped'])}), {counts['failed']} failed."
        )
        if counts["failed"]:
            raise CommandError(
                f"{counts['failed']} file(s) could not be copied (listed above); run the command again "
                "to retry them: files already copied are skipped."
            )
