""" "Export my data": a zip of a user's records (JSON) and uploaded files, streamed into B2.

The archive is written by ``zipfile`` straight into ``storage.open(name, "wb")``: the library
spools what is written (in memory up to 4 MiB, then on disk) and uploads it when the file is closed,
so neither the archive nor any file in it is ever held in memory whole. Each stored file is copied
into the archive a chunk at a time from a ranged B2 download.
"""

from __future__ import annotations

import json
import logging
import shutil
import uuid
import zipfile
from typing import Any

from django.utils import timezone

from .conf import export_lifetime
from .models import DataExport
from .shelves import SHELVES
from .storages import EXPORTS_PREFIX

logger = logging.getLogger(__name__)

COPY_CHUNK = 1024 * 1024
RECORDS_NAME = "records.json"


def build(export: DataExport) -> None:
    """Write the archive into B2 and mark the export ready (or failed, leaving no file behind)."""
    storage = export.file.storage
    name = f"{EXPORTS_PREFIX}{export.owner_id}/{uuid.uuid4().hex}.zip"
    try:
        with storage.open(name, "wb") as out, zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            write_archive(archive, export.owner)
    except Exception:
        logger.exception("Export %s failed", export.pk)
        # Closing the file on the way out uploads what was written so far: remove it.
        storage.delete(name)
        export.status = DataExport.FAILED
        export.save(update_fields=["status"])
        raise
    now = timezone.now()
    export.file.name = name
    export.size = storage.size(name)
    export.status = DataExport.READY
    export.ready_at = now
    export.expires_at = now + export_lifetime()
    export.save(update_fields=["file", "size", "status", "ready_at", "expires_at"])


def write_archive(archive: zipfile.ZipFile, user: Any) -> None:
    files = []
    for shelf in SHELVES:
        for stored in shelf.files().filter(uploaded_by=user).order_by("pk"):
            record: dict[str, Any] = {
                "storage": shelf.storage_class,
                "name": stored.file.name,
                "uploaded_at": stored.uploaded_at.isoformat(),
            }
            path = f"files/{shelf.slug}/{stored.file.name}"
            try:
                source = stored.file.storage.open(stored.file.name, "rb")
            except FileNotFoundError:
                # Say so in the records rather than fail the whole export.
                record["missing_from_storage"] = True
            else:
                with source, archive.open(path, "w") as target:
                    shutil.copyfileobj(source, target, COPY_CHUNK)
                record.update(archive_path=path, size=archive.getinfo(path).file_size)
            files.append(record)
    records = {
        "exported_at": timezone.now().isoformat(),
        "user": {
            "username": user.get_username(),
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "files": files,
    }
    archive.writestr(RECORDS_NAME, json.dumps(records, indent=2))


def remove(export: DataExport) -> None:
    """Delete an export's row and its file in B2."""
    if export.file:
        export.file.delete(save=False)
    export.delete()


def purge_expired() -> int:
    """Remove the exports whose time is over (rows and files); returns how many."""
    expired = list(DataExport.objects.filter(expires_at__lte=timezone.now()))
    for export in expired:
        remove(export)
    return len(expired)
