"""Copying media from one storage to another: ``manage.py b2_copy_media``.

Between two B2 storages of the same account the copy happens inside B2 (``b2_copy_file``, or
``b2_copy_part`` for files past the part-size limit): no byte passes through this process.
Otherwise each file is streamed, ``source.open()`` to the destination, in bounded memory.

A run can be repeated or resumed: a file whose destination already has the same size and SHA-1
(or was server-side copied from this very source version) is skipped. B2 keeps no SHA-1 for large
files, so copies carry the source's as ``large_file_sha1`` file info, as B2's own tools do.
One file failing is reported and the run goes on.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from b2sdk.v2 import SSE_C_KEY_ID_FILE_INFO_KEY_NAME
from b2sdk.v2.exception import AccessDenied, Unauthorized
from django.core.files.storage import Storage

from ..encryption import decryption_errors
from ..storage import BackblazeB2Storage
from .inventory import COPY_OF, LARGE_FILE_SHA1, Inventory, StoredFile, inventory_of
from .references import same_storage

Action = Literal["copied", "skipped", "would copy", "failed"]
# File info b2sdk adds for its own bookkeeping, or that belongs to the source's encryption key.
_NOT_COPIED_INFO = frozenset({SSE_C_KEY_ID_FILE_INFO_KEY_NAME, "plan_id"})
MAX_FILE_INFO = 10  # B2's limit on file info entries per file


@dataclass(frozen=True)
class CopyOutcome:
    name: str
    action: Action
    size: int = 0
    how: Literal["server-side", "streamed"] | None = None
    error: str | None = None


@dataclass
class CopyReport:
    outcomes: list[CopyOutcome] = field(default_factory=list)

    @property
    def counts(self) -> Counter[str]:
        return Counter(outcome.action for outcome in self.outcomes)

    @property
    def failures(self) -> list[CopyOutcome]:
        return [outcome for outcome in self.outcomes if outcome.action == "failed"]

    @property
    def bytes_copied(self) -> int:
        return sum(outcome.size for outcome in self.outcomes if outcome.action == "copied")

    @property
    def ok(self) -> bool:
        return not self.failures


def _encryption(storage: Storage, direction: Literal["read", "write"]) -> Any:
    """The b2sdk ``EncryptionSetting`` a B2 storage's ``server_side_encryption`` option gives a copy's
    source ("read") or destination ("write"): with SSE-C, the key B2 needs for that side."""
    if not isinstance(storage, BackblazeB2Storage):
        return None
    return storage._encryption_arguments(direction).get("encryption")


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
    max_part_size: int | None = None,
) -> CopyReport:
    """Copy ``names`` (or, when None, every file under ``folder``) from ``source`` to ``destination``.

    ``on_start`` is told how many files there are to look at, and ``on_file`` is called, in this
    thread, after each file. ``max_part_size`` caps the parts of a
    server-side copy (b2sdk's default: B2's 5 GB limit for one ``b2_copy_file``).
    """
    if same_storage(source, destination):
        raise ValueError("The source and the destination are the same storage: there is nothing to copy.")
    if workers < 1:
        raise ValueError("workers must be at least 1.")
    sources = inventory_of(source, folder)
    wanted = sorted(set(names)) if names is not None else list(sources.names())
    copier = _Copier(source, destination, sources, inventory_of(destination, folder), dry_run, max_part_size)
    if on_start is not None:
        on_start(len(wanted))
    report = CopyReport()
    for outcome in _in_threads(copier.copy, wanted, workers):
        report.outcomes.append(outcome)
        if on_file is not None:
            on_file(outcome)
    return report


class _Copier:
    def __init__(
        self,
        source: Storage,
        destination: Storage,
        sources: Inventory,
        destinations: Inventory,
        dry_run: bool,
        max_part_size: int | None,
    ) -> None:
        self.source = source
        self.destination = destination
        self.sources = sources
        self.destinations = destinations
        self.dry_run = dry_run
        self.max_part_size = max_part_size
        self.server_side = _same_b2_account(source, destination)
        self._lock = threading.Lock()

    def copy(self, name: str) -> CopyOutcome:
        try:
            source_file = self.sources.get(name)
            if source_file is None:
                return CopyOutcome(name, "failed", error="not found in the source storage")
            destination_file = self.destinations.get(name)
            if destination_file is not None and self._same_content(source_file, destination_file):
                return CopyOutcome(name, "skipped", source_file.size)
            if self.dry_run:
                return CopyOutcome(name, "would copy", source_file.size)
            how = self._copy(source_file)
            self.destinations.forget(name)
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
        with decryption_errors(self.source._key(name), self.source.options.server_side_encryption):
            self.destination.bucket.copy(
                source_file.file_id,
                self.destination._key(name),
                content_type=source_file.content_type,
                file_info=_copied_file_info(source_file),
                length=source_file.size or None,
                source_encryption=_encryption(self.source, "read"),
                destination_encryption=_encryption(self.destination, "write"),
                source_file_info=dict(source_file.file_info),
                source_content_type=source_file.content_type,
                max_part_size=self.max_part_size,
            )
        memo = self.destination._memo
        if memo is not None:
            memo.forget(self.destination.options.bucket, self.destination._key(name))

    def _stream(self, source_file: StoredFile) -> None:
        name = source_file.name
        with self.source.open(name, "rb") as content:
            if source_file.content_type:
                content.content_type = source_file.content_type
            if isinstance(self.destination, BackblazeB2Storage):
                options = self.destination.get_upload_options(name, content)
                options["file_info"] = {**(options.get("file_info") or {}), **_copied_file_info(source_file)}
                self.destination._remote(name).upload(content, options)
                return
            if self.destination.exists(name):
                self.destination.delete(name)
            saved = self.destination.save(name, content)
        if saved != name:
            raise RuntimeError(f"the destination stored it as {saved!r}, so rows naming {name!r} would not find it")


def _copied_file_info(source_file: StoredFile) -> dict[str, str]:
    """The source's file info, plus what lets the next run recognise the copy.

    B2 allows 10 file info entries (headers such as ``b2-cache-control`` included): the marks are
    added only while there is room, the SHA-1 first, since any copy can be matched by it.
    """
    info = {key: value for key, value in source_file.file_info.items() if key not in _NOT_COPIED_INFO}
    marks = {LARGE_FILE_SHA1: source_file.sha1, COPY_OF: source_file.file_id}
    for key, value in marks.items():
        if value and key not in info and len(info) < MAX_FILE_INFO:
            info[key] = value
    return info


def _same_b2_account(source: Storage, destination: Storage) -> bool:
    if not (isinstance(source, BackblazeB2Storage) and isinstance(destination, BackblazeB2Storage)):
        return False
    accounts = []
    for storage in (source, destination):
        connection = storage._connection
        connection.ensure_authorized()
        accounts.append(connection.account_info.get_account_id())
    return bool(accounts[0] == accounts[1])


T = TypeVar("T")
R = TypeVar("R")


def _in_threads(func: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """``func`` over ``items`` in ``workers`` threads, yielding results as they finish.

    At most a few items per worker are in flight, so a million names don't become a million futures.
    """
    pending: set[Future[R]] = set()
    items = iter(items)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="b2-copy") as pool:
        for item in items:
            pending.add(pool.submit(func, item))
            if len(pending) >= workers * 4:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        for future in as_completed(pending):
            yield future.result()
