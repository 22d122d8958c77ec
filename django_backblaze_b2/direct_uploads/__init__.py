"""Direct browser-to-B2 uploads for file fields (see ``docs/direct-uploads.md``).

``DirectUploadField`` (with its widget) in a form using ``DirectUploadFormMixin``, the views of
``django_backblaze_b2.direct_uploads.urls`` in the URLconf, and CORS rules on the bucket
(:func:`cors_rule`); :func:`lifecycle_rule` cancels abandoned uploads.
"""

from typing import TYPE_CHECKING, Any

__all__ = [
    "DirectUploadAdminMixin",
    "DirectUploadField",
    "DirectUploadFormMixin",
    "DirectUploadWidget",
    "IncomingFile",
    "cors_rule",
    "lifecycle_rule",
]

if TYPE_CHECKING:
    from .bucket_rules import cors_rule, lifecycle_rule
    from .fields import DirectUploadField, DirectUploadWidget, IncomingFile
    from .forms import DirectUploadAdminMixin, DirectUploadFormMixin

_WHERE = {
    "DirectUploadField": "fields",
    "DirectUploadWidget": "fields",
    "IncomingFile": "fields",
    "DirectUploadFormMixin": "forms",
    "DirectUploadAdminMixin": "forms",
    "cors_rule": "bucket_rules",
    "lifecycle_rule": "bucket_rules",
}


def __getattr__(name: str) -> Any:
    # Lazily, so settings.py can call cors_rule() and lifecycle_rule() before the app registry is ready.
    if name in _WHERE:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
