"""Files no row refers to: ``manage.py b2_orphans``.

A file is an orphan when no ``FileField`` of any installed model that stores its files in this
storage names it. The storage is listed before the database is read, so a file saved during the
run is never a candidate; young files are left alone (an upload is stored a moment before its row
is saved); and just before deleting, the database is asked again about that one name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Literal

from django.core.files.storage import Storage

from .inventory import StoredFile, inventory_of
from .references import References

DEFAULT_MIN_AGE = timedelta(hours=1)


@dataclass
class OrphanReport:
    references: References
    orphans: list[StoredFile] = field(default_factory=list)
    too_young: list[StoredFile] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        return sum(orphan.size for orphan in self.orphans)


@dataclass(frozen=True)
class DeleteOutcome:
    name: str
    action: Literal["deleted", "kept", "failed"]
    size: int = 0
    error: str | None = None


def find_orphans(storage: Storage, *, folder: str = "", min_age: timedelta = DEFAULT_MIN_AGE) -> OrphanReport:
    """The files under ``folder`` that no row refers to and that are older than ``min_age``."""
    references = References.to(storage)
    if not references.fields:
        raise ValueError(
            "No FileField of any installed model stores its files in this storage, so every file in it "
            "would look orphaned. Check the storage alias."
        )
    inventory = inventory_of(storage, folder)
    files = [stored for stored in map(inventory.get, list(inventory.names())) if stored is not None]
    referenced = references.names()
    report = OrphanReport(references)
    cutoff = datetime.now(timezone.utc) - min_age
    for stored in files:
        if stored.name in referenced:
            continue
        # With no minimum age, no time comparison: B2's clock and ours may disagree by a little.
        if min_age > timedelta(0) and stored.uploaded_at is not None and _aware(stored.uploaded_at) > cutoff:
            report.too_young.append(stored)
        else:
            report.orphans.append(stored)
    return report


def delete_orphans(
    storage: Storage, report: OrphanReport, *, on_file: Callable[[DeleteOutcome], None] | None = None
) -> list[DeleteOutcome]:
    """Delete the report's orphans, except any a row has come to refer to since it was made."""
    outcomes = []
    for orphan in report.orphans:
        try:
            if report.references.is_referenced(orphan.name):
                outcome = DeleteOutcome(orphan.name, "kept")
            else:
                storage.delete(orphan.name)
                outcome = DeleteOutcome(orphan.name, "deleted", orphan.size)
        except Exception as error:  # one file failing must not stop the run
            outcome = DeleteOutcome(orphan.name, "failed", error=f"{type(error).__name__}: {error}")
        outcomes.append(outcome)
        if on_file is not None:
            on_file(outcome)
    return outcomes


def _aware(moment: datetime) -> datetime:
    # get_modified_time() is naive local time when USE_TZ is off.
    return moment if moment.tzinfo is not None else moment.astimezone()
