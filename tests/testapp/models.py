"""A model with a file field per proxy route, for the access-mark tests (``b2_mark_files``)."""

from __future__ import annotations

from django.db import models

from django_backblaze_b2.storages import LoggedInStorage, PublicStorage, StaffStorage


class RouteFiles(models.Model):
    public = models.FileField(storage=PublicStorage(), blank=True)
    members = models.FileField(storage=LoggedInStorage(), blank=True)
    staff = models.FileField(storage=StaffStorage(), blank=True)

    def __str__(self) -> str:
        return f"RouteFiles {self.pk}"
