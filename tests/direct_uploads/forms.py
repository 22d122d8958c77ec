"""Forms of the tests, each with other limits, all filling the sample's LargeUpload.file."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest

from django_backblaze_b2.direct_uploads import DirectUploadField, DirectUploadFormMixin
from django_backblaze_b2.storage import BackblazeB2Storage
from showcase.models import LargeUpload

FIELD = "showcase.LargeUpload.file"
PART_SIZE = 5_000_000  # the simulated B2's minimum, so a 12 MB file has three parts


def staff_only(request: HttpRequest, storage: BackblazeB2Storage, field_name: str) -> bool:
    return bool(getattr(request.user, "is_staff", False))


class UploadForm(DirectUploadFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    file = DirectUploadField(model_field=FIELD, part_size=PART_SIZE)

    class Meta:
        model = LargeUpload
        fields = ("file",)


class LimitedForm(DirectUploadFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    file = DirectUploadField(
        model_field=(LargeUpload, "file"), max_size=20_000_000, content_types=["video/*"], part_size=PART_SIZE
    )

    class Meta:
        model = LargeUpload
        fields = ("file",)


class StaffForm(DirectUploadFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    file = DirectUploadField(model_field=FIELD, permission=staff_only, part_size=PART_SIZE)

    class Meta:
        model = LargeUpload
        fields = ("file",)


FORMS = {"upload": UploadForm, "limited": LimitedForm, "staff": StaffForm}
