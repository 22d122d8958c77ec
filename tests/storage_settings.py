"""``override_settings(STORAGES=...)`` that keeps every alias's OPTIONS on Django 4.2 too."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import django
from django.core.files.storage import storages
from django.test import override_settings


@contextmanager
def storages_setting(aliases: dict[str, dict[str, Any]], **other_settings: Any) -> Iterator[None]:
    with override_settings(STORAGES=aliases, **other_settings):
        if django.VERSION < (5, 1):
            # Django 4.2's override_settings mirrors STORAGES into the deprecated DEFAULT_FILE_STORAGE
            # and STATICFILES_STORAGE, and its storage handler then rebuilds "default" and
            # "staticfiles" from those: without their OPTIONS.
            storages._backends = dict(aliases)  # type: ignore[attr-defined]
        yield
