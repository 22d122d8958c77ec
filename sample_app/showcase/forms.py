from django import forms

from django_backblaze_b2.direct_uploads import DirectUploadField, DirectUploadFormMixin

from .models import LargeUpload

LARGE_UPLOAD_MAX_SIZE = 5 * 1024**3


class UploadForm(forms.Form):
    file = forms.FileField(help_text="Any file; large ones are uploaded to B2 in parts, from disk.")


class LargeUploadForm(DirectUploadFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    """The file goes from the browser to B2 in parts; without JavaScript, through Django as usual."""

    file = DirectUploadField(
        model_field="showcase.LargeUpload.file",
        max_size=LARGE_UPLOAD_MAX_SIZE,
        help_text="Up to 5 GB. Large files go straight to B2 in parts, and resume if you choose them again.",
    )

    class Meta:
        model = LargeUpload
        fields = ("file",)
