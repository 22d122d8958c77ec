"""System check for offload mode (``proxy_offload``), offline.

- ``django_backblaze_b2.W090``: ``proxy_offload`` is set while ``DEBUG`` is on. Offloaded downloads
  need the nginx location of ``django_backblaze_b2.http.nginx_location()`` in front; under
  ``runserver`` they arrive empty.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning
from django.core.exceptions import ImproperlyConfigured

from ..options import resolve


def check_offload(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        location = resolve({}, source="BACKBLAZE_CONFIG").proxy_offload
    except ImproperlyConfigured:
        return []  # reported by check_settings (E010)
    if location is None or not settings.DEBUG:
        return []
    return [
        Warning(
            f"BACKBLAZE_CONFIG['proxy_offload'] is {location!r} while DEBUG is on: the proxy routes answer "
            "downloads with an empty body for nginx to fill, so without nginx in front (runserver) files "
            "arrive empty.",
            hint="Set 'proxy_offload' in the production settings only, behind nginx with the location of "
            "django_backblaze_b2.http.nginx_location() (docs/proxy-views.md, offload mode).",
            id="django_backblaze_b2.W090",
        )
    ]
