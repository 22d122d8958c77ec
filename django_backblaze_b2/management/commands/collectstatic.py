"""``manage.py collectstatic``: Django's, answering from one B2 listing and showing progress.

Django's command asks the storage about each file (``exists``, ``get_modified_time``, ``delete``,
``listdir``). Onto a storage with a ``collecting()`` run (``BackblazeB2StaticStorage``)
the whole command runs inside it: a run of n files costs about ceil(n/1000) listings plus the
uploads of changed files. Any other storage gets Django's command unchanged.

This command is the one ``manage.py`` runs when ``django_backblaze_b2`` is listed above
``django.contrib.staticfiles`` in ``INSTALLED_APPS`` (the first app with a command wins).
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from b2sdk.v2.exception import B2Error
from django.contrib.staticfiles.finders import get_finders
from django.contrib.staticfiles.management.commands.collectstatic import Command as CollectStatic
from django.core.files.storage import Storage
from django.core.management.base import CommandError

from ...operations.progress import Progress
from ._shared import progress_for


class Command(CollectStatic):
    _progress: Progress | None = None

    def handle(self, **options: Any) -> str | None:
        try:
            return super().handle(**options)
        except B2Error as error:
            # A wrong key or a missing bucket: one line saying so, not b2sdk's traceback.
            raise CommandError(
                f"B2 refused collectstatic ({type(error).__name__}: {error}). "
                "`manage.py check --deploy --tag b2` checks the key and every bucket in use."
            ) from error

    def collect(self) -> dict[str, Any]:
        collecting = getattr(self.storage, "collecting", None)
        if collecting is None:
            result: dict[str, Any] = super().collect()
            return result
        if self.verbosity >= 1:
            self._progress = progress_for(self, self._count_found_files())
        with collecting():
            result = super().collect()
        if self._progress is not None:
            self._progress.finish()
        return result

    def _count_found_files(self) -> int:
        """The files collect() will handle, as it finds them (a walk of local folders): for the ETA."""
        found = set()
        for finder in get_finders():
            for path, storage in finder.list(self.ignore_patterns):
                prefix = getattr(storage, "prefix", None)
                found.add(os.path.join(prefix, path) if prefix else path)
        return len(found)

    def copy_file(self, path: str, prefixed_path: str, source_storage: Storage) -> None:
        copied, unmodified = len(self.copied_files), len(self.unmodified_files)
        super().copy_file(path, prefixed_path, source_storage)
        progress = self._progress
        if progress is None:
            return
        size = 0
        with contextlib.suppress(OSError, NotImplementedError):
            size = source_storage.size(path)
        if len(self.copied_files) > copied:
            progress.update("pretended" if self.dry_run else "copied", size)
        elif len(self.unmodified_files) > unmodified:
            progress.update("unmodified", size)
