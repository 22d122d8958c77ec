from typing import Any

from django.core.management.base import BaseCommand

from showcase.demo import DEMO_USERS, ensure_demo_users, forget_files_of_earlier_runs


class Command(BaseCommand):
    help = "Create the sample's demo users (or reset their passwords); safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        created = ensure_demo_users()
        forgotten = forget_files_of_earlier_runs()
        if forgotten:
            self.stdout.write(
                f"The simulated B2 starts empty: removed {forgotten} record(s) of files from an earlier run."
            )
        for demo in DEMO_USERS:
            state = "created" if demo.username in created else "ready"
            self.stdout.write(f"{demo.username:<6} password {demo.password:<22} {demo.role} ({state})")
