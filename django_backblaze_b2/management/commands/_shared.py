"""What the b2_* commands share: finding a storage by its STORAGES alias."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import InvalidStorageError, Storage, storages
from django.core.management.base import CommandError


def storage_for(alias: str) -> Storage:
    try:
        return storages[alias]
    except InvalidStorageError:
        known = ", ".join(sorted(settings.STORAGES)) or "none"
        raise CommandError(f"No storage {alias!r} in settings.STORAGES (configured: {known}).") from None
