"""Files no row refers to: ``manage.py b2_orphans``.

A file is an orphan when no ``FileField`` of any installed model that stores its files in this
storage names it. Young files are left alone (an upload is stored a moment before its row is saved),
and just before deleting, the database is asked again about each batch of candidates.

Both passes stream: the storage's listing (sorted, as B2 lists names) is merged with the names the
rows hold (sorted by the database under a binary collation), so memory stays flat however many
files there are. Deleting lists the versions of the folder once (a class C call per 1000 versions)
instead of once per file, and deletes in a bounded thread pool.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Literal

from django.core.files.storage import Storage

from .. import bulk, names
from ..storage import BackblazeB2Storage
from .inventory import StoredFile, inventory_of
from .parallel import in_threads
from .references import References

DEFAULT_MIN_AGE = timedelta(hours=1)
#: Candidates asked about in one database query just before they are deleted.
RECHECK_BATCH = 200
#: Failures a report keeps (the command prints each as it happens); the rest are only counted.
KEPT_FAILURES = 1000


@dataclass(frozen=True)
class Unreferenced:
    """A file no row named when the merge passed it; ``too_young`` ones are left alone."""

    file: StoredFile
    too_young: bool


class OrphanScan:
    """The unreferenced files under ``folder``, streamed in name order: iterate it once.

    The totals fill in as it is iterated.
    """

    def __init__(self, storage: Storage, references: References, folder: str, cutoff: datetime | None) -> None:
        self.storage = storage
        self.references = references
        self.folder = folder.strip("/")
        self.cutoff = cutoff
        self.orphans = 0
        self.orphan_bytes = 0
        self.too_young = 0
        self.too_young_bytes = 0

    def __iter__(self) -> Iterator[Unreferenced]:
        for stored in unreferenced(inventory_of(self.storage, self.folder).files(), self.references, self.folder):
            young = is_young(stored, self.cutoff)
            if young:
                self.too_young += 1
                self.too_young_bytes += stored.size
            else:
                self.orphans += 1
                self.orphan_bytes += stored.size
            yield Unreferenced(stored, young)


def find_orphans(storage: Storage, *, folder: str = "", min_age: timedelta = DEFAULT_MIN_AGE) -> OrphanScan:
    """The files under ``folder`` that no row refers to; those younger than ``min_age`` are marked so."""
    return OrphanScan(storage, references_to(storage), folder, cutoff_for(min_age))


def references_to(storage: Storage) -> References:
    references = References.to(storage)
    if not references.fields:
        raise ValueError(
            "No FileField of any installed model stores its files in this storage, so every file in it "
            "would look orphaned. Check the storage's name."
        )
    return references


def cutoff_for(min_age: timedelta, now: datetime | None = None) -> datetime | None:
    """Files uploaded after this are too young; None (no minimum age): no time comparison, since
    B2's clock and ours may disagree by a little."""
    if min_age <= timedelta(0):
        return None
    return (now or datetime.now(timezone.utc)) - min_age


def is_young(stored: StoredFile, cutoff: datetime | None) -> bool:
    return cutoff is not None and stored.uploaded_at is not None and _aware(stored.uploaded_at) > cutoff


def unreferenced(files: Iterator[StoredFile], references: References, folder: str = "") -> Iterator[StoredFile]:
    """The files of a sorted stream that the (sorted) references don't name: a merge of the two."""
    referenced = references.sorted_names(folder)
    head = next(referenced, None)
    for stored in files:
        while head is not None and head < stored.name:
            head = next(referenced, None)
        if head != stored.name:
            yield stored


@dataclass(frozen=True)
class DeleteOutcome:
    name: str
    action: Literal["deleted", "kept", "failed", "too young"]
    size: int = 0
    error: str | None = None


@dataclass
class DeleteReport:
    counts: Counter[str] = field(default_factory=Counter)
    bytes: Counter[str] = field(default_factory=Counter)
    failures: list[DeleteOutcome] = field(default_factory=list)

    @property
    def orphans(self) -> int:
        return self.counts["deleted"] + self.counts["kept"] + self.counts["failed"]

    @property
    def orphan_bytes(self) -> int:
        return self.bytes["deleted"] + self.bytes["kept"] + self.bytes["failed"]

    def add(self, outcome: DeleteOutcome) -> None:
        self.counts[outcome.action] += 1
        self.bytes[outcome.action] += outcome.size
        if outcome.action == "failed" and len(self.failures) < KEPT_FAILURES:
            self.failures.append(outcome)


@dataclass(frozen=True)
class _Candidate:
    file: StoredFile
    versions: bulk.Versions | None  # what to delete, from the versions listing (B2 storages)
    young: bool = False
    keep: bool = False


def delete_orphans(
    storage: Storage,
    scan: OrphanScan | None = None,
    *,
    folder: str = "",
    min_age: timedelta = DEFAULT_MIN_AGE,
    workers: int = 8,
    on_file: Callable[[DeleteOutcome], None] | None = None,
) -> DeleteReport:
    """Delete the orphans under ``folder`` (or those of an earlier ``scan``, with its age cutoff).

    The storage is merged with the references again, so a file a row has come to name since the
    scan is left alone; each batch of candidates is asked about once more just before it is deleted
    (``kept`` outcomes). Unreferenced files younger than the cutoff are ``too young`` outcomes,
    untouched. ``on_file`` is called in this thread.
    """
    if scan is not None:
        references, folder, cutoff = scan.references, scan.folder, scan.cutoff
    else:
        references, cutoff = references_to(storage), cutoff_for(min_age)
    candidates = _rechecked(_candidates(storage, references, folder.strip("/"), cutoff), references)
    report = DeleteReport()
    for outcome in in_threads(lambda candidate: _delete(storage, candidate), candidates, workers, name="b2-orphans"):
        report.add(outcome)
        if on_file is not None:
            on_file(outcome)
    return report


def _candidates(storage: Storage, references: References, folder: str, cutoff: datetime | None) -> Iterator[_Candidate]:
    if isinstance(storage, BackblazeB2Storage):
        location = storage.options.location
        # The merge decides about each file as soon as it has it: only the latest listed is needed.
        latest: list[bulk.Versions] = []

        def files() -> Iterator[StoredFile]:
            # One versions listing gives both what the merge needs and what a delete needs.
            for listed in bulk.versions(storage, folder):
                current = listed.current
                if current is not None:
                    latest[:] = [listed]
                    yield StoredFile.from_b2(names.from_file_name(location, listed.file_name), current)

        for stored in unreferenced(files(), references, folder):
            yield _Candidate(stored, latest[0], young=is_young(stored, cutoff))
        return
    for stored in unreferenced(inventory_of(storage, folder).files(), references, folder):
        yield _Candidate(stored, None, young=is_young(stored, cutoff))


def _rechecked(candidates: Iterator[_Candidate], references: References) -> Iterator[_Candidate]:
    """The candidates, batch by batch, each batch asked about in one query per field just before."""
    batch: list[_Candidate] = []
    for candidate in candidates:
        batch.append(candidate)
        if len(batch) >= RECHECK_BATCH:
            yield from _recheck(batch, references)
            batch = []
    yield from _recheck(batch, references)


def _recheck(batch: list[_Candidate], references: References) -> Iterator[_Candidate]:
    named_now = references.referenced_among(candidate.file.name for candidate in batch if not candidate.young)
    for candidate in batch:
        if candidate.file.name in named_now:
            yield _Candidate(candidate.file, candidate.versions, keep=True)
        else:
            yield candidate


def _delete(storage: Storage, candidate: _Candidate) -> DeleteOutcome:
    name, size = candidate.file.name, candidate.file.size
    if candidate.young:
        return DeleteOutcome(name, "too young", size)
    if candidate.keep:
        return DeleteOutcome(name, "kept", size)
    try:
        if candidate.versions is not None:
            assert isinstance(storage, BackblazeB2Storage)
            bulk.delete_versions(storage, candidate.versions.file_name, candidate.versions.deletable)
        else:
            storage.delete(name)
    except Exception as error:  # one file failing must not stop the run
        return DeleteOutcome(name, "failed", size, error=f"{type(error).__name__}: {error}")
    return DeleteOutcome(name, "deleted", size)


def _aware(moment: datetime) -> datetime:
    # get_modified_time() is naive local time when USE_TZ is off.
    return moment if moment.tzinfo is not None else moment.astimezone()
