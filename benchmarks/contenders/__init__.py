"""The three ways of using B2 from Django that the benchmarks compare, behind one interface.

Each contender runs in a process of its own (the reference package even in a virtualenv of its
own), so the interface holds only what a scenario does: save, open, ask, build URLs. Every
contender serves ``/b2l/<name>`` so the proxy scenarios can request the same path from all three.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from contextlib import ExitStack
from typing import IO, Any, ClassVar

from ..endpoints import B2Endpoint, simulated_endpoint

#: The storage classes whose ``url()`` is counted, by their names in both packages.
STORAGE_CLASSES = ("BackblazeB2Storage", "PublicStorage", "LoggedInStorage", "StaffStorage")


class NotApplicable(Exception):  # noqa: N818 - a verdict, not a failure
    """The contender has no such operation (the table shows "n/a" and this message)."""


class Contender(ABC):
    name: ClassVar[str]
    #: ROOT_URLCONF for the worker: must route ``b2l/<path:filename>``.
    urlconf: ClassVar[str] = "benchmarks.proxy_urls"
    installed_apps: ClassVar[tuple[str, ...]] = ("django_backblaze_b2",)
    #: Whether saving under a taken name picks another name (Django's Storage) or adds a version (B2).
    renames_taken_names: ClassVar[bool] = True

    def __init__(self, endpoint: B2Endpoint) -> None:
        self.endpoint = endpoint

    @classmethod
    def simulated_endpoint(cls, stack: ExitStack) -> B2Endpoint:
        """A fresh in-process simulated B2 for this contender, alive until ``stack`` closes."""
        return simulated_endpoint()

    def backblaze_config(self) -> dict[str, Any]:
        """``settings.BACKBLAZE_CONFIG`` for this contender on its endpoint."""
        return {}

    @abstractmethod
    def start(self) -> None:
        """Build the storages (Django is set up by now)."""

    def warm_up(self) -> None:
        """Authorize and look the bucket up, as a process that has served requests already has."""
        self.exists("bench/warm-up-missing.txt")

    @abstractmethod
    def save(self, name: str, content: Any) -> str: ...

    @abstractmethod
    def open(self, name: str) -> IO[bytes]: ...

    @abstractmethod
    def exists(self, name: str) -> bool: ...

    @abstractmethod
    def size(self, name: str) -> int: ...

    @abstractmethod
    def delete(self, name: str) -> None: ...

    @abstractmethod
    def url(self, storage_class: str, name: str) -> str: ...

    @abstractmethod
    def expiring_links(self, names: list[str], seconds: int) -> list[str]: ...


class DjangoStorageContender(Contender):
    """A contender used through Django storage classes (this library and 7.0.0 share the names)."""

    storages: dict[str, Any]
    storage: Any

    def use(self, package: Any) -> None:
        """Build one storage of each class from the imported ``django_backblaze_b2`` package."""
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


CONTENDERS = {
    "library": "benchmarks.contenders.library:Library",
    "reference": "benchmarks.contenders.reference:Reference",
    "raw-b2sdk": "benchmarks.contenders.raw_b2sdk:RawB2sdk",
}


def contender_class(name: str) -> type[Contender]:
    module_name, _, class_name = CONTENDERS[name].partition(":")
    cls: type[Contender] = getattr(importlib.import_module(module_name), class_name)
    return cls
