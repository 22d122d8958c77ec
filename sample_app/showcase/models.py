"""One model per storage class, so each shows its own URLs and download rules, and the export."""

from __future__ import annotations

import mimetypes
import posixpath

from django.conf import settings
from django.db import models

from django_backblaze_b2 import BackblazeB2Storage, LoggedInStorage, PublicStorage, StaffStorage

from .storages import export_storage


def owner_folder(instance: PrivateDocument, filename: str) -> str:
    return f"documents/{instance.uploaded_by_id}/{filename}"


class StoredFile(models.Model):
    """A file a user uploaded to one of the storages."""

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    file = models.FileField(max_length=500)  # each storage's model gives its own storage and folder

    class Meta:
        abstract = True
        ordering = ("-uploaded_at", "-pk")

    def __str__(self) -> str:
        return str(self.file.name)

    @property
    def is_video(self) -> bool:
        """Whether the name says video (``.webm``, ``.mp4``...): guessed from the name, as the proxy
        views do when B2 has no type, because asking B2 would cost a call per listed file."""
        guessed, _encoding = mimetypes.guess_type(posixpath.basename(str(self.file.name)), strict=False)
        return guessed is not None and guessed.startswith("video/")


# Storages are given as callables (here, the classes) so that migrations record a dotted path only.
class PrivateDocument(StoredFile):
    """BackblazeB2Storage: a private bucket; the owner downloads through the sample's own view."""

    file = models.FileField(storage=BackblazeB2Storage, upload_to=owner_folder, max_length=500)


class PublicFile(StoredFile):
    file = models.FileField(storage=PublicStorage, upload_to="public/", max_length=500)


class LoggedInFile(StoredFile):
    file = models.FileField(storage=LoggedInStorage, upload_to="members/", max_length=500)


class StaffFile(StoredFile):
    file = models.FileField(storage=StaffStorage, upload_to="staff/", max_length=500)


class DataExport(models.Model):
    """A user's "export my data" archive; one per user, replaced by the next request."""

    PENDING, READY, FAILED = "pending", "ready", "failed"
    STATUS_CHOICES = ((PENDING, "being prepared"), (READY, "ready"), (FAILED, "failed"))

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_export")
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default=PENDING)
    file = models.FileField(storage=export_storage, blank=True, max_length=500)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"export of {self.owner} ({self.get_status_display()})"


class LargeUpload(StoredFile):
    """Uploaded from the browser straight to B2 in parts (the page /large-uploads/, docs/direct-uploads.md)."""

    file = models.FileField(storage=BackblazeB2Storage, upload_to="large/", max_length=500)
