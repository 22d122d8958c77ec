"""Cancelling abandoned direct uploads, where no lifecycle rule does it (``b2_cancel_direct_uploads``).

An upload is abandoned when it was started longer ago than the grant lives (a day): nobody can add
parts to it or finish it any more. Unfinished large files are cancelled (B2 deletes their parts);
finished incoming files that no form saved are deleted. The start time is read from the name.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

from .. import names
from ..storage import BackblazeB2Storage
from .bucket_rules import INCOMING_FOLDER
from .grants import GRANT_MAX_AGE


@dataclass(frozen=True)
class Leftover:
    file_id: str
    file_name: str
    finished: bool  # a finished file to delete, else an unfinished large file to cancel
    started: int  # seconds since the epoch


def started_at(file_name: str) -> int | None:
    """The start time in an incoming file's name, or None for a name that is not one of ours."""
    stamp, _, rest = file_name.rsplit("/", 1)[-1].partition("-")
    return int(stamp) if stamp.isdigit() and rest else None


def leftovers(storage: BackblazeB2Storage, *, older_than: float = GRANT_MAX_AGE) -> Iterator[Leftover]:
    """The storage's incoming files started more than ``older_than`` seconds ago: one
    ``b2_list_unfinished_large_files`` (class A) and one ``b2_list_file_versions`` (class C) per 1000."""
    prefix = names.folder_prefix(storage.options.location, INCOMING_FOLDER)
    cutoff = time.time() - older_than
    bucket = storage.bucket
    for unfinished in bucket.list_unfinished_large_files(prefix=prefix):
        started = started_at(unfinished.file_name)
        if started is not None and started < cutoff:
            yield Leftover(unfinished.file_id, unfinished.file_name, finished=False, started=started)
    for version, _folder in bucket.ls(prefix, recursive=True, latest_only=False):
        started = started_at(version.file_name)
        if version.action == "upload" and started is not None and started < cutoff:
            yield Leftover(version.id_, version.file_name, finished=True, started=started)


def remove(storage: BackblazeB2Storage, leftover: Leftover) -> None:
    if leftover.finished:
        storage.bucket.delete_file_version(leftover.file_id, leftover.file_name)
    else:
        storage.bucket.cancel_large_file(leftover.file_id)
