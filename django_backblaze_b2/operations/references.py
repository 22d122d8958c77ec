"""Which files the database refers to: the ``FileField``s (and ``ImageField``s) that use a storage.

:meth:`References.sorted_names` streams the names in B2's order (UTF-8 bytes), so a bulk command
can merge them with a listing instead of holding either: the database sorts them under a binary
collation, and the stream checks the order it gets.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.core.files.storage import Storage
from django.db import connections, models
from django.db.models import F
from django.db.models.expressions import BaseExpression
from django.db.models.functions import Collate

from ..storage import BackblazeB2Storage


def same_storage(a: Storage, b: Storage) -> bool:
    """Whether two storage instances store files in the same place.

    ``FileField(storage=...)`` and ``storages[alias]`` are often distinct instances of one place.
    """
    if a is b:
        return True
    if isinstance(a, BackblazeB2Storage) and isinstance(b, BackblazeB2Storage):
        return (a.options.realm, a.options.bucket, a.options.location) == (
            b.options.realm,
            b.options.bucket,
            b.options.location,
        )
    # __class__, not type(): default_storage is a LazyObject standing in for the real storage.
    if a.__class__ is not b.__class__:
        return False
    location_a, location_b = getattr(a, "location", None), getattr(b, "location", None)
    if location_a is not None or location_b is not None:
        return bool(location_a == location_b)
    deconstruct_a, deconstruct_b = getattr(a, "deconstruct", None), getattr(b, "deconstruct", None)
    return callable(deconstruct_a) and callable(deconstruct_b) and deconstruct_a() == deconstruct_b()


@dataclass(frozen=True)
class FileFieldRef:
    model: type[models.Model]
    field: models.FileField

    def __str__(self) -> str:
        return f"{self.model._meta.label}.{self.field.name}"


def file_fields() -> Iterator[FileFieldRef]:
    """Every concrete ``FileField`` of every installed model (proxy models share their parent's rows)."""
    for model in apps.get_models():
        if model._meta.proxy or model._meta.swapped:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                yield FileFieldRef(model, field)


@dataclass(frozen=True)
class References:
    """The file fields that store their files in a given storage, and the names their rows hold."""

    fields: tuple[FileFieldRef, ...]

    @classmethod
    def to(cls, *storages: Storage) -> References:
        return cls(tuple(ref for ref in file_fields() if any(same_storage(ref.field.storage, s) for s in storages)))

    def names(self) -> set[str]:
        """Every non-empty name any row holds, in a set (for a few; :meth:`sorted_names` for many)."""
        return set(self.sorted_names())

    def sorted_names(self, folder: str = "") -> Iterator[str]:
        """Every non-empty name any row holds (under ``folder``), once each, in B2's order; streamed."""
        streams = [_in_byte_order(ref, _ordered_names(ref, folder)) for ref in self.fields]
        previous = None
        for name in heapq.merge(*streams):
            if name != previous:
                yield name
                previous = name

    def count(self, folder: str = "") -> int:
        """How many names :meth:`sorted_names` gives (one query per field; a name in two fields counts twice)."""
        return sum(_rows_naming_files(ref, folder).values(ref.field.attname).distinct().count() for ref in self.fields)

    def is_referenced(self, name: str) -> bool:
        """Asks the database now, so a row saved a moment ago counts."""
        return bool(self.referenced_among([name]))

    def referenced_among(self, candidates: Iterable[str]) -> set[str]:
        """Which of ``candidates`` a row names now: one query per field for the whole batch."""
        batch = list(candidates)
        found: set[str] = set()
        if not batch:
            return found
        for ref in self.fields:
            rows = ref.model._base_manager.filter(**{f"{ref.field.attname}__in": batch})
            found.update(str(value) for value in rows.values_list(ref.field.attname, flat=True))
        return found

    def describe(self) -> str:
        return ", ".join(str(ref) for ref in self.fields) or "no file fields"


def _rows_naming_files(ref: FileFieldRef, folder: str) -> models.QuerySet[models.Model]:
    # Through the base manager: a default manager's filtering must not hide a reference.
    rows: models.QuerySet[models.Model] = ref.model._base_manager.exclude(**{ref.field.attname: ""}).exclude(
        **{f"{ref.field.attname}__isnull": True}
    )
    if folder:
        rows = rows.filter(**{f"{ref.field.attname}__startswith": f"{folder.strip('/')}/"})
    return rows


#: Collations that compare text by its UTF-8 bytes (SQLite's default, BINARY, already does).
BINARY_COLLATIONS = {"postgresql": "C", "mysql": "utf8mb4_bin"}


def _ordered_names(ref: FileFieldRef, folder: str) -> Iterator[str]:
    rows = _rows_naming_files(ref, folder)
    collation = BINARY_COLLATIONS.get(connections[rows.db].vendor)
    order: BaseExpression | F = F(ref.field.attname)
    if collation is not None:
        order = Collate(F(ref.field.attname), collation)
    values = rows.order_by(order.asc()).values_list(ref.field.attname, flat=True)
    prefix = f"{folder.strip('/')}/" if folder else ""
    for value in values.iterator(chunk_size=2000):
        # startswith may ignore case (SQLite's LIKE does): the prefix is checked here too.
        if str(value).startswith(prefix):
            yield str(value)


def _in_byte_order(ref: FileFieldRef, stream: Iterator[str]) -> Iterator[str]:
    """``stream`` as is, or an error at the first name out of B2's order (a merge would misjudge it)."""
    previous = None
    for name in stream:
        if previous is not None and name < previous:
            raise RuntimeError(
                f"The database returned {ref}'s names out of byte order ({name!r} after {previous!r}), "
                "so they cannot be merged with a B2 listing. Its collation compares text otherwise: "
                "please report the database you use."
            )
        previous = name
        yield name
