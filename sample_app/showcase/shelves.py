"""The four storages the sample shows, with who gets what when following their links.

The pages render these sentences; the end-to-end tests check that they are true.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from django.db import models
from django.http import Http404

from django_backblaze_b2 import BackblazeB2Storage

from .models import LoggedInFile, PrivateDocument, PublicFile, StaffFile, StoredFile

ASKED_TO_LOG_IN = "asked to log in"
THE_FILE = "the file"


@dataclass(frozen=True)
class Shelf:
    slug: str
    storage_class: str
    model: type[StoredFile]
    summary: str
    anonymous: str
    user: str
    staff: str
    #: Downloads go through the sample's owner-only view instead of ``url()``.
    owner_only: bool = False

    def files(self) -> models.QuerySet[StoredFile]:
        return cast("models.QuerySet[StoredFile]", self.model._default_manager.all())

    @property
    def storage(self) -> BackblazeB2Storage:
        field = self.model._meta.get_field("file")
        assert isinstance(field, models.FileField) and isinstance(field.storage, BackblazeB2Storage)
        return field.storage


SHELVES = (
    Shelf(
        slug="private",
        storage_class="BackblazeB2Storage",
        model=PrivateDocument,
        summary=(
            "Private documents in a private bucket. url() is an expiring B2 link (an hour) that works for "
            "whoever holds it, so this page never shows it: each owner downloads through the sample's own view."
        ),
        anonymous=ASKED_TO_LOG_IN,
        user="the file if they uploaded it, else 404",
        staff="the file if they uploaded it, else 404",
        owner_only=True,
    ),
    Shelf(
        slug="public",
        storage_class="PublicStorage",
        model=PublicFile,
        summary="Files for everyone, served through /b2/ (or straight from B2 when the bucket is public).",
        anonymous=THE_FILE,
        user=THE_FILE,
        staff=THE_FILE,
    ),
    Shelf(
        slug="logged-in",
        storage_class="LoggedInStorage",
        model=LoggedInFile,
        summary="Files for logged-in users, served through /b2l/.",
        anonymous=ASKED_TO_LOG_IN,
        user=THE_FILE,
        staff=THE_FILE,
    ),
    Shelf(
        slug="staff",
        storage_class="StaffStorage",
        model=StaffFile,
        summary="Files for staff only, served through /b2s/.",
        anonymous=ASKED_TO_LOG_IN,
        user="403 Forbidden",
        staff=THE_FILE,
    ),
)


def shelf(slug: str) -> Shelf:
    for candidate in SHELVES:
        if candidate.slug == slug:
            return candidate
    raise Http404(f"No storage called {slug!r} in this sample.")
