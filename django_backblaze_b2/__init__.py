"""Django storage backend for Backblaze B2.

``BackblazeB2Storage`` stores files in a bucket; ``PublicStorage``, ``LoggedInStorage`` and
``StaffStorage`` serve them through the proxy routes of ``django_backblaze_b2.urls``.
"""

from typing import TYPE_CHECKING, Any

__version__ = "8.0.0.dev0"
__all__ = ["BackblazeB2Storage", "LoggedInStorage", "PublicStorage", "StaffStorage", "urls"]

if TYPE_CHECKING:
    from . import urls
    from .storage import BackblazeB2Storage
    from .storages import LoggedInStorage, PublicStorage, StaffStorage


def __getattr__(name: str) -> Any:
    # Imported lazily so that "django_backblaze_b2" can sit in INSTALLED_APPS without importing
    # models-dependent code before the app registry is ready.
    if name == "BackblazeB2Storage":
        from .storage import BackblazeB2Storage

        return BackblazeB2Storage
    if name in ("PublicStorage", "LoggedInStorage", "StaffStorage"):
        from . import storages

        return getattr(storages, name)
    if name == "urls":
        from . import urls

        return urls
    raise AttributeError(f"module 'django_backblaze_b2' has no attribute {name!r}")
