"""The form field and widget: a ``FileField`` whose file goes from the browser straight to B2.

The widget renders Django's usual file input (so without JavaScript, or for a file too small to be a
large file, the file is posted with the form as always) plus a hidden input. The script
(``django_backblaze_b2/direct-upload.js``) uploads a chosen file to B2 in parts, then puts the signed
reference of the finished upload in the hidden input and empties the file input, so the form posts a
few hundred bytes. The field turns that reference into an :class:`IncomingFile`, which the storage moves
to its final name server-side when the model is saved.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.base import File
from django.db.models import Model
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from ..http.headers import normalize_upload_content_type
from ..upload import MoveSource
from . import incoming
from .grants import BadGrantError, Grant, Limits, read_grant, sign_ticket
from .permission import UploadPermission, dotted_path, permitted

REFERENCE_SUFFIX = "__b2_upload"
#: Model fields that some DirectUploadField fills ("app_label.Model.field"), for the system checks.
declared_fields: set[str] = set()
URL_NAMESPACE = "django_b2_direct_uploads"


class DirectReference(str):
    """What the hidden input posted: a signed, finished upload (not yet checked)."""


class IncomingFile(File):  # type: ignore[type-arg]
    """A finished direct upload, still under its incoming name: saving it moves it, server-side."""

    def __init__(self, grant: Grant) -> None:
        super().__init__(None, grant.name)
        self.size = grant.size
        self.content_type = grant.content_type
        self.b2_move_source = MoveSource(file_id=grant.file_id, file_name=grant.file_name, size=grant.size)

    def open(self, mode: str | None = None, *args: Any, **kwargs: Any) -> IncomingFile:
        raise ValueError("A direct upload's bytes are in B2, not here: save it to a B2 storage to move it there.")

    def chunks(self, chunk_size: int | None = None) -> Any:
        raise ValueError("A direct upload's bytes are in B2, not here: save it to a B2 storage to move it there.")

    def close(self) -> None:
        pass


class DirectUploadWidget(forms.ClearableFileInput):
    template_name = "django_backblaze_b2/widgets/direct_upload.html"
    limits: Limits | None = None

    class Media:
        js: ClassVar = ("django_backblaze_b2/direct-upload.js",)
        css: ClassVar = {"all": ("django_backblaze_b2/direct-upload.css",)}

    def reference_name(self, name: str) -> str:
        return f"{name}{REFERENCE_SUFFIX}"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        direct = self._direct_context(name)
        if direct is not None and isinstance(value, DirectReference):
            # The form came back with errors elsewhere: keep the finished upload, don't send it again.
            direct["reference"] = str(value)
        context["widget"]["direct"] = direct
        return context

    def _direct_context(self, name: str) -> dict[str, Any] | None:
        if self.limits is None:
            return None
        try:
            urls = {
                action.replace("-", "_"): reverse(f"{URL_NAMESPACE}:{action}")
                for action in ("begin", "part-url", "parts", "complete", "cancel")
            }
        except NoReverseMatch:
            return None  # the views are not in the URLconf: uploads go through Django
        return {
            "ticket": sign_ticket(self.limits),
            "field": self.limits.field,
            "reference_name": self.reference_name(name),
            "urls": urls,
            "max_size": self.limits.max_size,
            "accept": ",".join(self.limits.content_types),
        }

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        reference = data.get(self.reference_name(name))
        if isinstance(reference, str) and reference:
            return DirectReference(reference)
        return super().value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return self.reference_name(name) not in data and super().value_omitted_from_data(data, files, name)


class DirectUploadField(forms.FileField):
    """A file field whose uploads go straight to B2 (see ``docs/direct-uploads.md``).

    ``model_field``: the model field the file is for, ``"app_label.Model.field"`` or ``(Model, "field")``;
    its storage must be a B2 storage. ``max_size`` (bytes), ``content_types`` (``"video/*"``,
    ``"application/pdf"``...) and ``permission`` (a function ``(request, storage, field_name) -> bool``
    or its dotted path; by default any logged-in user) hold for direct uploads and uploads through
    Django alike. ``part_size``: bytes per part (16 MB by default, at least B2's minimum).

    Forms using it need the request: use :class:`~.forms.DirectUploadFormMixin` (``Form(...,
    request=request)``) or, in the admin, :class:`~.forms.DirectUploadAdminMixin`.
    """

    widget = DirectUploadWidget
    default_error_messages: ClassVar = {
        "too_large": "The file is larger than the %(max_size)s bytes allowed.",
        "content_type": "Files of this type (%(content_type)s) are not allowed here.",
        "forbidden": "You may not upload files here.",
        "stale_upload": "This upload cannot be used (expired, already saved, or not yours): choose the file again.",
    }

    def __init__(
        self,
        *,
        model_field: str | tuple[type[Model], str],
        max_size: int | None = None,
        content_types: Iterable[str] = (),
        permission: str | UploadPermission | None = None,
        part_size: int | None = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(model_field, str):
            model, field_name = model_field
            model_field = f"{model._meta.label}.{field_name}"
        if max_size is not None and (isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 1):
            raise ImproperlyConfigured("DirectUploadField's max_size must be a number of bytes, 1 or more.")
        types = tuple(_validated_type(value) for value in content_types)
        self.limits = Limits(
            field=model_field,
            max_size=max_size,
            content_types=types,
            permission=dotted_path(permission),
            part_size=part_size,
        )
        self.request: HttpRequest | None = None
        declared_fields.add(model_field)
        super().__init__(**kwargs)
        if isinstance(self.widget, DirectUploadWidget):
            self.widget.limits = self.limits
        if types and "accept" not in self.widget.attrs:
            self.widget.attrs["accept"] = ",".join(types)

    def to_python(self, data: Any) -> Any:
        if isinstance(data, DirectReference):
            return self._incoming_file(data)
        uploaded = super().to_python(data)
        if uploaded is not None:
            content_type = normalize_upload_content_type(getattr(uploaded, "content_type", None), uploaded.name or "")
            self._check(uploaded.size, content_type)
            if self.request is not None:
                target = incoming.target(self.limits.field)
                if not permitted(self.request, self.limits.permission, target.storage, target.field_name):
                    raise ValidationError(self.error_messages["forbidden"], code="forbidden")
        return uploaded

    def _incoming_file(self, reference: str) -> IncomingFile:
        if self.request is None:
            raise ImproperlyConfigured(
                "DirectUploadField needs the request to tell whose upload it is: build the form with "
                "DirectUploadFormMixin and pass request=request (DirectUploadAdminMixin in the admin)."
            )
        try:
            grant = read_grant(reference, self.request, finished=True)
        except BadGrantError:
            raise ValidationError(self.error_messages["stale_upload"], code="stale_upload") from None
        if grant.limits.field != self.limits.field:
            raise ValidationError(self.error_messages["stale_upload"], code="stale_upload")
        self._check(grant.size, grant.content_type)
        if self.max_length is not None and len(grant.name) > self.max_length:
            raise ValidationError(
                self.error_messages["max_length"],
                code="max_length",
                params={"max": self.max_length, "length": len(grant.name)},
            )
        target = incoming.target(self.limits.field)
        if not permitted(self.request, self.limits.permission, target.storage, target.field_name):
            raise ValidationError(self.error_messages["forbidden"], code="forbidden")
        still_there = target.storage.options.bucket == grant.bucket and incoming.exists(
            target.storage, grant.file_id, grant.file_name
        )
        if not still_there:
            raise ValidationError(self.error_messages["stale_upload"], code="stale_upload")
        return IncomingFile(grant)

    def _check(self, size: int, content_type: str | None) -> None:
        if self.limits.max_size is not None and size > self.limits.max_size:
            raise ValidationError(
                self.error_messages["too_large"], code="too_large", params={"max_size": self.limits.max_size}
            )
        if not self.limits.allows_type(content_type):
            raise ValidationError(
                self.error_messages["content_type"],
                code="content_type",
                params={"content_type": content_type or "unknown"},
            )

    def bound_data(self, data: Any, initial: Any) -> Any:
        # A posted reference is shown again when the form comes back with errors (Django shows files never).
        return data if isinstance(data, DirectReference) else super().bound_data(data, initial)

    def has_changed(self, initial: Any, data: Any) -> bool:
        return isinstance(data, DirectReference) or super().has_changed(initial, data)


def _validated_type(value: Any) -> str:
    text = str(value).strip().lower()
    major, _, minor = text.partition("/")
    if not major or not minor or " " in text or ";" in text:
        raise ImproperlyConfigured(
            f"DirectUploadField content type {value!r} must be 'type/subtype' or 'type/*', such as 'video/*'."
        )
    return text


def direct_upload_fields(form: forms.BaseForm) -> Sequence[DirectUploadField]:
    return [field for field in form.fields.values() if isinstance(field, DirectUploadField)]
