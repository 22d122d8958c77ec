"""Who may upload to a field: the field's hook, or by default any logged-in user.

A hook is the dotted path of a callable ``(request, storage, field_name) -> bool`` (like the proxy
views' ``download_permission``). It is asked when an upload starts, for every part URL, when it is
finished and when the form that uses it is validated, so revoking a user stops an upload under way.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils.module_loading import import_string

from ..storage import BackblazeB2Storage

UploadPermission = Callable[[HttpRequest, BackblazeB2Storage, str], bool]


def dotted_path(hook: str | UploadPermission | None) -> str | None:
    """A hook as the dotted path a signed ticket can carry."""
    if hook is None or isinstance(hook, str):
        return hook
    module, qualname = getattr(hook, "__module__", None), getattr(hook, "__qualname__", "")
    if not module or "<" in qualname:
        raise ImproperlyConfigured(
            "A direct-upload permission must be a module-level function (or its dotted path), not a lambda "
            "or a nested function: it is named in what the browser sends back."
        )
    return f"{module}.{qualname}"


def load(path: str) -> UploadPermission:
    try:
        hook = import_string(path)
    except ImportError as error:
        raise ImproperlyConfigured(f"Direct-upload permission {path!r} cannot be imported: {error}") from error
    if not callable(hook):
        raise ImproperlyConfigured(f"Direct-upload permission {path!r} is not callable.")
    return hook  # type: ignore[no-any-return]


def permitted(request: HttpRequest, path: str | None, storage: BackblazeB2Storage, field_name: str) -> bool:
    if path is None:
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated)
    return bool(load(path)(request, storage, field_name))
