"""What B2 knows about a stored file, and a short-lived per-process memo of it.

The memo lets ``size()`` or ``get_modified_time()`` right after a ``save()`` (or a HEAD) cost no B2
call. ``exists()`` never reads it: it always asks B2, so it always tells the truth.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any


@dataclass(frozen=True)
class FileMetadata:
    file_name: str
    size: int
    content_type: str
    content_sha1: str | None  # None for large (multi-part) files: B2 has no whole-file SHA-1
    file_id: str
    upload_timestamp: int  # milliseconds since the epoch
    file_info: dict[str, str] = field(default_factory=dict)
    cache_control: str | None = None
    content_disposition: str | None = None
    content_encoding: str | None = None
    content_language: str | None = None
    expires: str | None = None

    @property
    def uploaded_at(self) -> datetime:
        return datetime.fromtimestamp(self.upload_timestamp / 1000, tz=timezone.utc)

    @classmethod
    def from_version(cls, version: Any) -> FileMetadata:
        """From a b2sdk ``FileVersion`` or ``DownloadVersion``."""
        sha1 = getattr(version, "content_sha1", None)
        size = getattr(version, "size", None)
        if size is None:
            size = getattr(version, "content_length", 0)
        return cls(
            file_name=version.file_name,
            size=int(size or 0),
            content_type=version.content_type or "application/octet-stream",
            content_sha1=sha1 if sha1 and sha1 != "none" else None,
            file_id=version.id_,
            upload_timestamp=int(version.upload_timestamp),
            file_info=dict(version.file_info or {}),
            cache_control=getattr(version, "cache_control", None),
            content_disposition=getattr(version, "content_disposition", None),
            content_encoding=getattr(version, "content_encoding", None),
            content_language=getattr(version, "content_language", None),
            expires=getattr(version, "expires", None),
        )


class MetadataMemo:
    """A small LRU of ``FileMetadata`` by (bucket, file_name), each entry good for ``ttl`` seconds."""

    def __init__(self, ttl: float = 60.0, max_entries: int = 2048) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, str], tuple[float, FileMetadata]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, bucket: str, file_name: str) -> FileMetadata | None:
        with self._lock:
            entry = self._entries.get((bucket, file_name))
            if entry is None:
                return None
            expires, metadata = entry
            if expires < time.monotonic():
                del self._entries[(bucket, file_name)]
                return None
            self._entries.move_to_end((bucket, file_name))
            return metadata

    def put(self, bucket: str, metadata: FileMetadata) -> None:
        with self._lock:
            self._entries[(bucket, metadata.file_name)] = (time.monotonic() + self.ttl, metadata)
            self._entries.move_to_end((bucket, metadata.file_name))
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def forget(self, bucket: str, file_name: str) -> None:
        with self._lock:
            self._entries.pop((bucket, file_name), None)
