"""7.0.0's module of the file class, deprecated: ``B2File`` is in :mod:`django_backblaze_b2.files`."""

from __future__ import annotations

from typing import Any

from . import compat


def __getattr__(name: str) -> Any:
    return compat.deprecated_name(__name__, name)
