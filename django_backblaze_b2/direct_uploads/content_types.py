"""TEMPORARY until main's strict content types land: then import from ..http.headers directly."""

from __future__ import annotations

import mimetypes
import posixpath

try:
    from ..http.headers import normalize_upload_content_type  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover

    def normalize_upload_content_type(content_type: str | None, name: str) -> str:
        value = (content_type or "").strip().lower()
        if "/" in value and " " not in value.split(";")[0]:
            return value.split(";")[0].strip()
        return mimetypes.guess_type(posixpath.basename(name))[0] or "application/octet-stream"


__all__ = ["normalize_upload_content_type"]
