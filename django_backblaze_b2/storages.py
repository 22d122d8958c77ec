"""The import path of the proxied storages since 7.0.0 (and in migrations): they live in :mod:`.proxy`."""

from .proxy.storages import LoggedInStorage, PublicStorage, StaffStorage

__all__ = ["LoggedInStorage", "PublicStorage", "StaffStorage"]
