"""System check for ``collectstatic`` onto B2 (offline, no B2 call).

- ``django_backblaze_b2.W070``: ``STORAGES["staticfiles"]`` is a B2 static storage, but
  ``manage.py collectstatic`` is another app's command (Django's, when ``django.contrib.staticfiles``
  is listed above ``django_backblaze_b2``), which asks B2 about every file one call at a time.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning
from django.core.management import get_commands
from django.utils.module_loading import import_string

APP = "django_backblaze_b2"


def check_collectstatic_command(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from ..staticfiles import BackblazeB2StaticStorage

    try:
        backend = import_string(settings.STORAGES["staticfiles"]["BACKEND"])
    except (ImportError, KeyError, TypeError, AttributeError):
        return []
    if not (isinstance(backend, type) and issubclass(backend, BackblazeB2StaticStorage)):
        return []
    owner = get_commands().get("collectstatic")
    if owner in (None, APP):
        return []
    return [
        Warning(
            f"manage.py collectstatic is {owner!r}'s command, so a run onto {backend.__name__} asks B2 about each "
            "file (a HEAD and a listing per file; --clear a versions listing per file).",
            hint=f"List '{APP}' above '{owner}' in INSTALLED_APPS: its collectstatic answers from one listing per "
            "1000 files and shows progress. Or run Django's inside `with staticfiles_storage.collecting():`.",
            id="django_backblaze_b2.W070",
        )
    ]
