"""``BackblazeB2Storage`` (see :mod:`.backblaze`), at the import path 7.0.0 published."""

from __future__ import annotations

from typing import Any

from .. import compat
from .backblaze import BackblazeB2Storage
from .copies import MarkOutcome
from .core import BackblazeB2StorageConstructorArgs

__all__ = ["BackblazeB2Storage", "BackblazeB2StorageConstructorArgs", "MarkOutcome"]


def __getattr__(name: str) -> Any:
    # 7.0.0's names that went away (see compat.py).
    return compat.deprecated_name(__name__, name)
