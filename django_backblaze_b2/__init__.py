"""Django storage backend for Backblaze B2.

``BackblazeB2Storage`` stores files in a bucket; ``PublicStorage``, ``LoggedInStorage`` and
``StaffStorage`` serve them through the proxy routes of ``django_backblaze_b2.urls``.
"""

import importlib
from typing import TYPE_CHECKING, Any

from . import checks  # noqa: F401 - registers the checks: they run wherever the library is used, app installed or not

__version__ = "8.0.0.dev0"
__all__ = ["BackblazeB2Storage", "LoggedInStorage", "PublicStorage", "StaffStorage", "urls"]

if TYPE_CHECKING:
    from . import urls
    from .proxy.storages import LoggedInStorage, PublicStorage, StaffStorage
    from .storage import BackblazeB2Storage

# Where each public name lives. They are imported lazily so that "django_backblaze_b2" can sit in
# INSTALLED_APPS without importing models-dependent code before the app registry is ready.
_LAZY = {
    "BackblazeB2Storage": "storage",
    "PublicStorage": "storages",
    "LoggedInStorage": "storages",
    "StaffStorage": "storages",
}


def __getattr__(name: str) -> Any:
    # importlib, not "from . import ...": that asks this module for the attribute again, and would
    # come back here for ever (a RecursionError) while the submodule is not yet imported.
    if name == "urls":
        return importlib.import_module(f"{__name__}.urls")
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
