"""The published django-backblaze-b2 7.0.0, run from its own virtualenv with its defaults.

It shares this library's package name, so nothing here imports it by name at type-checking time;
the worker removes this checkout from ``sys.path`` before the first import.
"""

from __future__ import annotations

import importlib
from typing import Any

from . import DjangoStorageContender, NotApplicable


class Reference(DjangoStorageContender):
    name = "reference"

    def backblaze_config(self) -> dict[str, Any]:
        # Its defaults authorize and look the bucket up when a storage is created.
        return {
            "bucket": self.endpoint.bucket,
            "realm": self.endpoint.realm,
            "application_key_id": self.endpoint.key_id,
            "application_key": self.endpoint.key,
        }

    def start(self) -> None:
        storage_module: Any = importlib.import_module("django_backblaze_b2.storage")
        if self.endpoint.raw is not None:
            # It builds its B2Api inside a property and authorizes at once; give it one that talks
            # to the in-process simulator. Every call still goes through its own code.
            storage_module.B2Api = self.endpoint.new_api
        self.use(importlib.import_module("django_backblaze_b2"))

    def expiring_links(self, names: list[str], seconds: int) -> list[str]:
        raise NotApplicable("7.0.0 has no expiring links")
