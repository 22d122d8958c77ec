"""The published django-backblaze-b2 7.0.0, run from its own virtualenv with its defaults.

It shares this library's package name, so nothing here imports it by name at type-checking time;
the worker removes this checkout from ``sys.path`` before the first import.
"""

from __future__ import annotations

import importlib
from typing import IO, Any

from . import STORAGE_CLASSES, Contender, NotApplicable


class Reference(Contender):
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
        package = importlib.import_module("django_backblaze_b2")
        self.storages = {name: getattr(package, name)() for name in STORAGE_CLASSES}
        self.storage = self.storages["BackblazeB2Storage"]

    def warm_up(self) -> None:
        for storage in self.storages.values():
            storage.exists("bench/warm-up-missing.txt")

    def save(self, name: str, content: Any) -> str:
        return str(self.storage.save(name, content))

    def open(self, name: str) -> IO[bytes]:
        return self.storage.open(name, "rb")  # type: ignore[no-any-return]

    def exists(self, name: str) -> bool:
        return bool(self.storage.exists(name))

    def size(self, name: str) -> int:
        return int(self.storage.size(name))

    def delete(self, name: str) -> None:
        self.storage.delete(name)

    def url(self, storage_class: str, name: str) -> str:
        return str(self.storages[storage_class].url(name))

    def expiring_links(self, names: list[str], seconds: int) -> list[str]:
        raise NotApplicable("7.0.0 has no expiring links")
