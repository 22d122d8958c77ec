"""Copying media from one storage to another: ``manage.py b2_copy_media``.

Between two B2 storages of the same account the copy happens inside B2 (``b2_copy_file``, or
``b2_copy_part`` for files past the part-size limit): no byte passes through this process.
Otherwise each file is streamed, ``source.open()`` to the destination, in bounded memory.

A run can be repeated or resumed: a file whose destination already has the same size and SHA-1
(or was server-side copied from this very source version) is skipped. B2 keeps no SHA-1 for large
files, so copies carry the source's as ``large_file_sha1`` file info, as B2's own tools do.
One file failing is reported and the run goes on; a destination that can't be reached at all
fails the run once, before any file.

Memory stays flat however many files there are: the names to copy (sorted, from the database or
the source's listing) are merged with the source's and the destination's listings as the three
streams go (B2 lists names in sorted order), and the report keeps counts, not outcomes.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from b2sdk.v2 import SSE_C_KEY_ID_FILE_INFO_KEY_NAME
from b2sdk.v2.exception import AccessDenied, B2Error, NonExistentBucket, Unauthorized
from django.core.files.storage import Storage

from .. import access
from ..access import MARK_KEY, MAX_FILE_INFO
from ..encryption import decryption_errors
from ..proxy import routes
from ..storage import BackblazeB2Storage
from .inventory import COPY_OF, LARGE_FILE_SHA1, Inventory, StoredFile, inventory_of
from .parallel import in_threads
from .references import same_storage

Action = Literal["copied", "skipped", "would copy", "failed"]
# File info b2sdk adds for its own bookkeeping, or that belongs to the source's encryption key.
_NOT_COPIED_INFO = frozenset({SSE_C_KEY_ID_FILE_INFO_KEY_NAME, "plan_id"})
#: Failures a report keeps (the command prints each as it happens); the rest are only counted.
KEPT_FAILURES = 1000


class CopyError(ValueError):
    """The run can't start: the same storage twice, or a storage that can't be reached."""


@dataclass(frozen=True)
class CopyOutcome:
    name: str
    action: Action
    size: int = 0
    how: Literal["server-side", "streamed"] | None = None
    error: str | None = None


@dataclass
class CopyReport:
    """Counts and bytes by action, and the first :data:`KEPT_FAILURES` failures."""

    counts: Counter[str] = field(default_factory=Counter)
    bytes: Counter[str] = field(default_factory=Counter)
    failures: list[CopyOutcome] = field(default_factory=list)

    def add(self, outcome: CopyOutcome) -> None:
        self.counts[outcome.action] += 1
        self.bytes[outcome.action] += outcome.size
        if outcome.action == "failed" and len(self.failures) < KEPT_FAILURES:
            self.failures.append(outcome)

    @property
    def ok(self) -> bool:
        return not self.counts["failed"]


def _encryption(storage: Storage, direction: Literal["read", "write"]) -> Any:
    """The b2sdk ``EncryptionSetting`` a B2 storage's ``server_side_encryption`` option gives a copy's
    source ("read") or destination ("write"): with SSE-C, the key B2 needs for that side."""
    if not isinstance(storage, BackblazeB2Storage):
        return None
    return storage.encryption_arguments(direction).get("encryption")


def copy_media(
    source: Storage,
    destination: Storage,
    names: Iterable[str] | None = None,
    *,
    folder: str = "",
    dry_run: bool = False,
    workers: int = 4,
    on_start: Callable[[int], None] | None = None,
    on_file: Callable[[CopyOutcome], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
    max_part_size: int | None = None,
) -> CopyReport:
    """Copy ``names`` (or, when None, every file under ``folder``) from ``source`` to ``destination``.

    ``names`` is a collection (sorted here), or an iterator that gives them in sorted order, such
    as :meth:`.References.sorted_names`: it is read as the copy goes, never held. ``on_start`` is
    told how many files there are to look at when ``names`` is a collection, and ``on_file`` is
    called, in this thread, after each file. ``max_part_size`` caps the parts of a server-side copy
    (b2sdk's default: B2's 5 GB limit for one ``b2_copy_file``).

    Raises :class:`CopyError` before copying anything when a storage's bucket can't be reached.
    ``on_warning`` hears of a destination serving its files to another audience than the source.
    """
    if same_storage(source, destination):
        raise CopyError("The source and the destination are the same storage: there is nothing to copy.")
    if workers < 1:
        raise CopyError("workers must be at least 1.")
    reachable(source, "source")
    reachable(destination, "destination")
    warning = access_warning(source, destination)
    if warning is not None and on_warning is not None:
        on_warning(warning)
    wanted: Iterator[str] | None = None
    if isinstance(names, Collection) and not isinstance(names, str):
        ordered = sorted(set(names))
        if on_start is not None:
            on_start(len(ordered))
        wanted = iter(ordered)
    elif names is not None:
        wanted = iter(names)
    copier = _Copier(source, destination, dry_run, max_part_size)
    report = CopyReport()
    pairs = _pairs(wanted, inventory_of(source, folder), inventory_of(destination, folder))
    for outcome in in_threads(copier.copy, pairs, workers, name="b2-copy"):
        report.add(outcome)
        if on_file is not None:
            on_file(outcome)
    return report


def reachable(storage: Storage, role: str) -> None:
    """Raise :class:`CopyError` unless a B2 storage's bucket is there (one lookup, learnt once)."""
    if not isinstance(storage, BackblazeB2Storage):
        return
    try:
        storage.bucket  # noqa: B018 - looks the bucket up (or creates it, when the storage says to)
    except NonExistentBucket:
        raise CopyError(
            f"The {role} storage's bucket {storage.options.bucket!r} does not exist (or its key can't see it): "
            "create it, or set 'non_existent_bucket_details' to have it created. Nothing was copied."
        ) from None
    except B2Error as error:
        raise CopyError(
            f"The {role} storage's bucket {storage.options.bucket!r} can't be reached "
            f"({type(error).__name__}: {error}). Nothing was copied; 'manage.py b2_check' tells more."
        ) from error


#: Who may download a storage's files, by access level.
AUDIENCES = {
    "public": "anyone",
    "logged_in": "logged-in users (through /b2l/)",
    "staff": "staff users (through /b2s/)",
}


def access_level(storage: Storage) -> str | None:
    """The route serving a proxied storage's files; "public" for a B2 storage on a public bucket;
    None when it depends on who has the links (a private bucket without a route, a local disk)."""
    route = routes.route_of(storage)
    if route is not None:
        return route
    if isinstance(storage, BackblazeB2Storage):
        return "public" if storage.client.bucket_type(storage.options.bucket) == "allPublic" else None
    return None


def access_warning(source: Storage, destination: Storage) -> str | None:
    """What to tell before copying into a storage whose files another audience may download."""
    from_level, to_level = access_level(source), access_level(destination)
    if from_level is None or to_level is None or from_level == to_level:
        return None
    wider = access.ROUTES.index(to_level) < access.ROUTES.index(from_level)
    consequence = (
        "the copies become downloadable by more people than the originals"
        if wider
        else "the copies are no longer downloadable by everyone who could read the originals"
    )
    return (
        f"The source's files are for {AUDIENCES[from_level]}, the destination's for {AUDIENCES[to_level]}: "
        f"{consequence}. Copies into a proxied storage carry the destination's access mark."
    )


Pair = tuple[str, StoredFile | None, StoredFile | None]


def _pairs(wanted: Iterator[str] | None, sources: Inventory, destinations: Inventory) -> Iterator[Pair]:
    """(name, source file, destination file) in name order: a merge of the names with both listings."""
    in_destination = destinations.finder()
    if wanted is None:
        for listed in sources.files():
            yield listed.name, listed, in_destination(listed.name)
        return
    in_source = sources.finder()
    previous = None
    for name in wanted:
        if previous is not None and name <= previous:
            if name == previous:
                continue
            raise CopyError(f"The names to copy must come in sorted order: {name!r} came after {previous!r}.")
        previous = name
        source_file = in_source(name)
        yield name, source_file, in_destination(name) if source_file is not None else None


class _Copier:
    def __init__(self, source: Storage, destination: Storage, dry_run: bool, max_part_size: int | None) -> None:
        self.source = source
        self.destination = destination
        self.sources = inventory_of(source)
        self.destinations = inventory_of(destination)
        self.dry_run = dry_run
        self.max_part_size = max_part_size
        self.server_side = _same_b2_account(source, destination)
        self._lock = threading.Lock()

    def copy(self, pair: Pair) -> CopyOutcome:
        name, source_file, destination_file = pair
        try:
            if source_file is None:
                return CopyOutcome(name, "failed", error="not found in the source storage")
            if destination_file is not None and self._same_content(source_file, destination_file):
                return CopyOutcome(name, "skipped", source_file.size)
            if self.dry_run:
                return CopyOutcome(name, "would copy", source_file.size)
            how = self._copy(source_file)
            return CopyOutcome(name, "copied", source_file.size, how=how)
        except Exception as error:  # one file failing must not stop the run
            return CopyOutcome(name, "failed", error=f"{type(error).__name__}: {error}")

    def _same_content(self, source_file: StoredFile, destination_file: StoredFile) -> bool:
        if source_file.size != destination_file.size:
            return False
        if source_file.file_id is not None and destination_file.copy_of == source_file.file_id:
            return True
        source_sha1 = self.sources.sha1(source_file)
        return source_sha1 is not None and source_sha1 == self.destinations.sha1(destination_file)

    def _copy(self, source_file: StoredFile) -> Literal["server-side", "streamed"]:
        if self.server_side:
            try:
                self._copy_in_b2(source_file)
                return "server-side"
            except (Unauthorized, AccessDenied):
                # Same account, but the destination's key may not read the source bucket.
                with self._lock:
                    self.server_side = False
        self._stream(source_file)
        return "streamed"

    def _copy_in_b2(self, source_file: StoredFile) -> None:
        assert isinstance(self.source, BackblazeB2Storage)
        assert isinstance(self.destination, BackblazeB2Storage)
        name = source_file.name
        file_name = self.destination.b2_file_name(name)
        with decryption_errors(self.source.b2_file_name(name), self.source.options.server_side_encryption):
            self.destination.bucket.copy(
                source_file.file_id,
                file_name,
                length=source_file.size or None,
                source_encryption=_encryption(self.source, "read"),
                destination_encryption=_encryption(self.destination, "write"),
                source_file_info=dict(source_file.file_info),
                source_content_type=source_file.content_type,
                max_part_size=self.max_part_size,
                **_copy_metadata(source_file, self.destination, file_name),
            )
        self.destination.forget_metadata(file_name)

    def _stream(self, source_file: StoredFile) -> None:
        name = source_file.name
        with self.source.open(name, "rb") as content:
            if source_file.content_type:
                content.content_type = source_file.content_type
            if isinstance(self.destination, BackblazeB2Storage):
                options = self.destination.get_upload_options(name, content)
                # The destination's access mark, if any, is set again on upload whatever the source had.
                copied = _copied_file_info(source_file)
                if self.destination.route is not None:
                    copied.pop(MARK_KEY, None)  # a move into a proxied storage takes its route (it warned)
                options["file_info"] = {**(options.get("file_info") or {}), **copied}
                self.destination.upload(name, content, options)
                return
            if self.destination.exists(name):
                self.destination.delete(name)
            saved = self.destination.save(name, content)
        if saved != name:
            raise RuntimeError(f"the destination stored it as {saved!r}, so rows naming {name!r} would not find it")


def _copy_metadata(source_file: StoredFile, destination: BackblazeB2Storage, file_name: str) -> dict[str, Any]:
    """The metadata of a server-side copy: the source's, with this copy's marks.

    Into a proxied storage the copy belongs to the destination's route: the destination gives the
    source's metadata made safe, with its access mark, and the marks that recognise a copy are added.
    """
    remarked = (
        destination.copy_metadata(source_file.metadata, file_name, moved_by_operator=True)
        if source_file.metadata
        else {}
    )
    if not remarked:
        return {"content_type": source_file.content_type, "file_info": _copied_file_info(source_file)}
    headers = sum(1 for name, value in remarked.items() if name not in ("content_type", "file_info") and value)
    return {**remarked, "file_info": _copied_file_info(source_file, remarked.get("file_info") or {}, headers)}


def _copied_file_info(
    source_file: StoredFile, info: Mapping[str, str] | None = None, headers: int = 0
) -> dict[str, str]:
    """The source's file info (or ``info``), plus what lets the next run recognise the copy.

    B2 allows 10 file info entries (headers such as ``b2-cache-control`` included, ``headers`` more
    given apart): the marks are added only while there is room, the SHA-1 first, since any copy can
    be matched by it.
    """
    given = source_file.file_info if info is None else info
    copied = {key: value for key, value in given.items() if key not in _NOT_COPIED_INFO}
    marks = {LARGE_FILE_SHA1: source_file.sha1, COPY_OF: source_file.file_id}
    for key, value in marks.items():
        if value and key not in copied and len(copied) + headers < MAX_FILE_INFO:
            copied[key] = value
    return copied


def _same_b2_account(source: Storage, destination: Storage) -> bool:
    if not (isinstance(source, BackblazeB2Storage) and isinstance(destination, BackblazeB2Storage)):
        return False
    accounts = []
    for storage in (source, destination):
        connection = storage.client
        connection.ensure_authorized()
        accounts.append(connection.account_info.get_account_id())
    return bool(accounts[0] == accounts[1])
