"""Large files: each upload of ours uses its own, and none outlives a failed upload.

A large file's parts are billed as storage from the moment they arrive until the file is finished
or cancelled, and an unfinished file is invisible to every listing a user makes. b2sdk retries a
failing part a few times, then raises and leaves the file unfinished; it cannot tell us the file's
id. So the session records the id of each large file it starts while an upload of ours is running
(in that upload's thread: b2sdk starts large files in the caller's thread), and the upload cancels
those when it fails. Only files this upload started are cancelled, never a concurrent upload's.

Before starting a large file, b2sdk also looks for an unfinished one of the same name and file info
to resume (a class C listing), and one with no parts yet always matches: two saves of the same name
would then upload parts into one file, and at most one of them could finish it. Inside our uploads
the session reports no unfinished files, so every upload starts its own.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from b2sdk.v2 import B2Session, Bucket
from b2sdk.v2.exception import B2Error

logger = logging.getLogger("django_backblaze_b2")

_started: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("b2_large_files_started", default=None)


class RecordingSession(B2Session):  # type: ignore[misc]
    """b2sdk's session, noting the ids of the large files it starts for :func:`cancelled_on_failure`,
    and never offering another upload's unfinished file to resume."""

    def list_unfinished_large_files(self, *args: Any, **kwargs: Any) -> Any:
        if _started.get() is not None:
            return {"files": [], "nextFileId": None}
        return super().list_unfinished_large_files(*args, **kwargs)

    def start_large_file(self, *args: Any, **kwargs: Any) -> Any:
        response = super().start_large_file(*args, **kwargs)
        started = _started.get()
        if started is not None:
            started.append(response["fileId"])
        return response


@contextmanager
def cancelled_on_failure(bucket: Bucket, file_name: str) -> Iterator[None]:
    """Run an upload of ``file_name``; if it raises, cancel the large files it started, then re-raise."""
    started: list[str] = []
    token = _started.set(started)
    try:
        yield
    except BaseException:
        for file_id in started:
            _cancel(bucket, file_name, file_id)
        raise
    finally:
        _started.reset(token)


def _cancel(bucket: Bucket, file_name: str, file_id: str) -> None:
    try:
        bucket.cancel_large_file(file_id)
    except B2Error as error:
        # B2 is failing (that is likely why the upload failed): say what is left behind and how to clear it.
        logger.warning(
            "django-backblaze-b2: the failed upload of %r left unfinished large file %s in bucket %s, and "
            "cancelling it failed too (%s): its parts are billed until it is cancelled (the B2 CLI's "
            "'b2 file large unfinished cancel', or a lifecycle rule with "
            "daysFromStartingToCancelingUnfinishedLargeFiles).",
            file_name,
            file_id,
            bucket.name,
            type(error).__name__,
        )
    else:
        logger.info(
            "django-backblaze-b2: cancelled unfinished large file %s of the failed upload of %r", file_id, file_name
        )
