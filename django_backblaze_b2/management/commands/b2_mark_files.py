"""``manage.py b2_mark_files [--dry-run]``: see :mod:`django_backblaze_b2.operations.marks`."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from ...operations.marks import MarkedField, mark_files, proxied_fields
from ._shared import b2_errors_as_command_errors


class Command(BaseCommand):
    help = (
        "Give the files that model rows refer to the access mark of their field's proxy route "
        "(PublicStorage, LoggedInStorage, StaffStorage), so that files saved before marks existed "
        "(by 7.0.0, say) are served again by their own route and stay refused by less privileged ones."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="say what would be marked, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        verbose = options["verbosity"] > 1
        fields = proxied_fields()
        for marked in fields:
            self.stdout.write(f"{marked.label}: files of the {marked.route} route")
        done = 0

        def on_file(marked: MarkedField, name: str, outcome: str) -> None:
            nonlocal done
            done += 1
            if outcome == "marked" or verbose:
                verb = "would mark" if dry_run and outcome == "marked" else outcome
                self.stdout.write(f"  {name}: {verb} ({marked.route})")
            if done % 1000 == 0:
                self.stderr.write(f"{done} files checked...")

        with b2_errors_as_command_errors():
            report = mark_files(fields, dry_run=dry_run, on_file=on_file)
        prefix = "Dry run, nothing changed: " if dry_run else ""
        self.stdout.write(f"{prefix}{done} files checked: {report.summary()}.")
