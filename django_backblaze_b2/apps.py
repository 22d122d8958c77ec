"""The Django app: resets per-process caches when settings change (the package registers the checks)."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig

from . import logs


class DjangoBackblazeB2Config(AppConfig):
    name = "django_backblaze_b2"
    verbose_name = "Backblaze B2 storage"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        setting_changed.connect(_reset_route_caches, dispatch_uid="django_backblaze_b2_routes")
        logs.bridge_legacy_logger()  # LOGGING entries for 7.0.0's logger name keep working


def _reset_route_caches(*, setting: str, **kwargs: Any) -> None:
    if setting in ("BACKBLAZE_CONFIG", "STORAGES", "INSTALLED_APPS"):
        from .proxy import routes, views

        routes.shared_places.reset()
        views.reset_storages()
