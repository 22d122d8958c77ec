"""The Django app: registers the system checks."""

from __future__ import annotations

from django.apps import AppConfig


class DjangoBackblazeB2Config(AppConfig):
    name = "django_backblaze_b2"
    verbose_name = "Backblaze B2 storage"

    def ready(self) -> None:
        from . import checks_buckets  # noqa: F401 - registers the deployment checks of the buckets
        from .checks_account_info import check_account_info_cache  # noqa: F401 - registers the cache checks
