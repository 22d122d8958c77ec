"""The Django app: registers the system checks and resets per-process caches when settings change."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core import checks

from . import logs


class DjangoBackblazeB2Config(AppConfig):
    name = "django_backblaze_b2"
    verbose_name = "Backblaze B2 storage"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from . import checks as b2_checks
        from . import checks_buckets  # noqa: F401 - registers the deployment checks of the buckets
        from .checks_account_info import check_account_info_cache  # noqa: F401 - registers the cache checks
        from .checks_offload import check_offload
        from .checks_staticfiles import check_collectstatic_command

        checks.register(b2_checks.check_settings)
        checks.register(b2_checks.check_route_separation, checks.Tags.security)
        checks.register(b2_checks.check_download_permission)
        checks.register(check_offload)
        checks.register(check_collectstatic_command, checks.Tags.staticfiles)
        setting_changed.connect(_reset_route_caches, dispatch_uid="django_backblaze_b2_routes")
        logs.bridge_legacy_logger()  # LOGGING entries for 7.0.0's logger name keep working


def _reset_route_caches(*, setting: str, **kwargs: Any) -> None:
    if setting in ("BACKBLAZE_CONFIG", "STORAGES", "INSTALLED_APPS"):
        from . import routes, views

        routes.unmarked_files.reset()
        views.reset_storages()
