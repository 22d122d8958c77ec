from django.db import models

from django_backblaze_b2 import BackblazeB2Storage


def b2_storage() -> BackblazeB2Storage:
    # A callable keeps the storage's options out of migrations.
    return BackblazeB2Storage(location="documents")


class Document(models.Model):
    title = models.CharField(max_length=100)
    attachment = models.FileField(storage=b2_storage, upload_to="attachments", max_length=200)

    def __str__(self) -> str:
        return self.title
