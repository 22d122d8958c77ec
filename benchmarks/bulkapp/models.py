from __future__ import annotations

from django.db import models


class Upload(models.Model):
    file = models.FileField(max_length=300)

    class Meta:
        app_label = "bulkapp"

    def __str__(self) -> str:
        return str(self.file.name)
