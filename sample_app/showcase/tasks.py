"""Background work, through django-tasks (the backport of Django 6's django.tasks): exports are
requested here and built by :mod:`.exports` in a worker."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from . import exports
from .conf import export_lifetime
from .models import DataExport


@task()
def build_export(export_id: int) -> int | None:
    """Build one export; returns its size in bytes (None if it was replaced meanwhile)."""
    export = DataExport.objects.select_related("owner").filter(pk=export_id).first()
    if export is None or export.status != DataExport.PENDING:
        return None
    exports.build(export)
    return int(export.size or 0)


# A pending export older than this was lost (its worker stopped): a new request may replace it.
ABANDONED_AFTER = timedelta(hours=1)


class ExportInProgressError(Exception):
    """The user's previous export is still being prepared."""


def request_export(user: AbstractBaseUser) -> DataExport:
    """Replace the user's export (and its file) with a new, pending one and queue its building."""
    with transaction.atomic():
        previous = DataExport.objects.select_for_update().filter(owner=user).first()
        if previous is not None:
            still_running = timezone.now() - previous.requested_at < ABANDONED_AFTER
            if previous.status == DataExport.PENDING and still_running:
                raise ExportInProgressError("Your previous export is still being prepared.")
            exports.remove(previous)
        export: DataExport = DataExport.objects.create(owner=user, expires_at=timezone.now() + export_lifetime())
        # Queued once the row is committed, so a worker in another process can see it.
        transaction.on_commit(lambda: build_export.enqueue(export.pk))
    return export
