"""Which files the database refers to: the ``FileField``s (and ``ImageField``s) that use a storage."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.core.files.storage import Storage
from django.db import models

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
        """Every non-empty name any row holds (read through the base manager: no default filtering)."""
        found: set[str] = set()
        for ref in self.fields:
            values = (
                ref.model._base_manager.exclude(**{ref.field.attname: ""})
                .exclude(**{f"{ref.field.attname}__isnull": True})
                .values_list(ref.field.attname, flat=True)
            )
            found.update(str(value) for value in values.iterator(chunk_size=2000))
        return found

    def is_referenced(self, name: str) -> bool:
        """Asks the database now, so a row saved a moment ago counts."""
        return any(ref.model._base_manager.filter(**{ref.field.attname: name}).exists() for ref in self.fields)

    def describe(self) -> str:
        return ", ".join(str(ref) for ref in self.fields) or "no file fields"
