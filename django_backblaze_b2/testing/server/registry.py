"""Every B2 operation the server answers, by name: importing the ``ops_*`` modules registers them
(see :func:`.operations.operation`), so this module, above them, is where a call finds its operation."""

from __future__ import annotations

from . import ops_account, ops_buckets, ops_files, ops_large  # noqa: F401 - they register themselves
from .errors import B2ApiError
from .operations import OPERATIONS, Operation


def find(name: str) -> Operation:
    found = OPERATIONS.get(name)
    if found is None:
        raise B2ApiError(404, "not_found", f"Unknown API: {name}")
    return found
