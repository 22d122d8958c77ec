"""BackblazeB2Storage through a model's FileField."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models

from django_backblaze_b2.testing import SimulatedB2
from tests.contract_app.models import Document

pytestmark = pytest.mark.django_db


def test_filefield_round_trip(b2: SimulatedB2) -> None:
    document = Document(title="report")
    document.attachment.save("report.pdf", ContentFile(b"%PDF-1.4"), save=True)
    assert document.attachment.name == "attachments/report.pdf"
    assert b2.file_names("django") == ["documents/attachments/report.pdf"]
    fresh = Document.objects.get(pk=document.pk)
    assert fresh.attachment.size == 8
    with fresh.attachment.open("rb") as f:
        assert f.read() == b"%PDF-1.4"
    assert fresh.attachment.url.split("?")[0].endswith("/file/django/documents/attachments/report.pdf")


def test_uploaded_file_through_a_form_field(b2: SimulatedB2) -> None:
    document = Document.objects.create(title="photo", attachment=SimpleUploadedFile("photo.jpg", b"jpeg"))
    second = Document.objects.create(title="photo", attachment=SimpleUploadedFile("photo.jpg", b"jpeg2"))
    assert document.attachment.name == "attachments/photo.jpg"
    assert second.attachment.name != document.attachment.name  # no silent overwrite
    second.attachment.delete(save=False)
    assert b2.file_names("django") == ["documents/attachments/photo.jpg"]


def test_migrations_do_not_carry_storage_options() -> None:
    field = Document._meta.get_field("attachment")
    assert isinstance(field, models.FileField)
    _name, _path, _args, kwargs = field.deconstruct()
    assert callable(kwargs["storage"])
