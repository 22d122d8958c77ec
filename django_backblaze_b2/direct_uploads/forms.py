"""Giving :class:`~.fields.DirectUploadField` the request, in ordinary forms and in the admin.

The request says whose upload a posted reference must be (the user, or the session of an anonymous
visitor) and lets the permission hook decide; form fields never see it otherwise.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest

from .fields import direct_upload_fields


class DirectUploadFormMixin(forms.BaseForm):
    """``class MyForm(DirectUploadFormMixin, forms.ModelForm)``; build it with ``MyForm(..., request=request)``."""

    direct_upload_request: HttpRequest | None = None

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if request is not None:
            self.direct_upload_request = request
        for field in direct_upload_fields(self):
            field.request = self.direct_upload_request


class DirectUploadAdminMixin:
    """``class MyAdmin(DirectUploadAdminMixin, admin.ModelAdmin)`` with ``form`` using DirectUploadFormMixin."""

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]
        # A subclass per request: the admin builds the form itself, without a request argument.
        return type(form.__name__, (form,), {"direct_upload_request": request})
