"""Background work, through django-tasks (the backport of Django 6's django.tasks)."""

from __future__ import annotations

from django_tasks import task

from . import exports
from .models import DataExport


@task()
def build_export(export_id: int) -> int | None:
    """Build one export; returns its size in bytes (None if it was replaced meanwhile)."""
    export = DataExport.objects.select_related("owner").filter(pk=export_id).first()
    if export is None or export.status != DataExport.PENDING:
        return None
    exports.build(export)
    return int(export.size or 0)
