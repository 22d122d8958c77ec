"""Django for the worker: settings, a signed-in user on every request, and a client that times bytes."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase

from .measure import Stopwatch


def configure(urlconf: str, installed_apps: tuple[str, ...], backblaze_config: dict[str, Any]) -> None:
    import django
    from django.conf import settings

    settings.configure(
        SECRET_KEY="benchmarks-only",  # noqa: S106 - not a secret
        DEBUG=False,
        USE_TZ=True,
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=urlconf,
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", *installed_apps],
        MIDDLEWARE=["benchmarks.web.SignedInUser"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        CACHES={
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
            # Both packages keep B2's authorization in this cache alias by default.
            "django-backblaze-b2": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "b2"},
        },
        FILE_UPLOAD_TEMP_DIR=tempfile.gettempdir(),
        BACKBLAZE_CONFIG=backblaze_config,
        LOGGING_CONFIG=None,
    )
    django.setup()


class SignedInUser:
    """Every request comes from an active staff user, without a database (the proxy routes check it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        from django.contrib.auth.models import User

        request.user = User(username="bench", is_active=True, is_staff=True)
        return self.get_response(request)


def get(path: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """GET through Django's whole request handling; the body is consumed and counted, not kept."""
    from django.test import Client

    watch = Stopwatch()
    response: Any = Client().get(path, headers=headers)
    received = 0
    if response.streaming:
        for chunk in response.streaming_content:
            watch.mark_first_byte()
            received += len(chunk)
    else:
        watch.mark_first_byte()
        received = len(response.content)
    response.close()
    return {
        "status": response.status_code,
        "bytes": received,
        "seconds": watch.stop(),
        "ttfb_seconds": watch.first_byte,
        "cpu_seconds": watch.cpu_seconds,
    }
