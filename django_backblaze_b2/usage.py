"""Where a project uses storages: the backends configured in ``settings.STORAGES`` and the storages of
its models' file fields. Read by the system checks and the proxy routes; builds no storage itself."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import FileField
from django.utils.module_loading import import_string


def configured_backends() -> Iterator[tuple[str, type, dict[str, Any]]]:
    """(alias, backend class, OPTIONS) for each ``STORAGES`` entry; an entry whose backend does not
    import is left out (Django reports it when the storage is used)."""
    for alias, config in getattr(settings, "STORAGES", {}).items():
        try:
            backend = import_string(config["BACKEND"])
        except (ImportError, KeyError, TypeError):
            continue
        if isinstance(backend, type):
            yield alias, backend, dict(config.get("OPTIONS", {}))


def file_fields() -> Iterator[tuple[str, FileField]]:
    """("app.Model.field", field) for every file field of the installed models."""
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, FileField):
                yield f"{model._meta.label}.{field.name}", field
