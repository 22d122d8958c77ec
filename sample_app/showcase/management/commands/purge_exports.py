from typing import Any

from django.core.management.base import BaseCommand

from showcase.exports import purge_expired


class Command(BaseCommand):
    help = "Remove expired data exports: their rows and their files in B2. Run it daily (cron, a scheduler)."

    def handle(self, *args: Any, **options: Any) -> None:
        removed = purge_expired()
        self.stdout.write(f"Removed {removed} expired export(s).")
