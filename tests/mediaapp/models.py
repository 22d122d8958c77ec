"""Models whose files live in B2, for the media operation tests (b2_copy_media, b2_orphans)."""

from __future__ import annotations

from django.db import models

from django_backblaze_b2.storage import BackblazeB2Storage


class Document(models.Model):
    """Files in the default storage (``STORAGES["default"]``)."""

    title = models.CharField(max_length=100, blank=True)
    file = models.FileField(upload_to="documents/")
    attachment = models.FileField(upload_to="attachments/", blank=True, null=True)

    def __str__(self) -> str:
        return self.title or str(self.file.name)


class Archive(models.Model):
    """Files in a storage of their own, which default-storage operations must leave alone."""

    file = models.FileField(storage=BackblazeB2Storage(bucket="archive-bucket"), upload_to="archive/")

    def __str__(self) -> str:
        return str(self.file.name)
