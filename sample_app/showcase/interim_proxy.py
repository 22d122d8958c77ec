"""Stand-ins for the library's proxy routes (/b2/, /b2l/, /b2s/) until its streaming views land.

TODO(views): delete this module and include ``django_backblaze_b2.urls`` in sample_project/urls.py.
Same URL names and the same rules: anyone / logged-in users / staff.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.urls import path
from django.views.decorators.http import require_safe

from django_backblaze_b2 import BackblazeB2Storage, LoggedInStorage, PublicStorage, StaffStorage


def _route(
    storage_class: type[BackblazeB2Storage], allowed: Callable[[HttpRequest], bool]
) -> Callable[..., HttpResponseBase]:
    storage = storage_class()

    @require_safe
    def download(request: HttpRequest, filename: str) -> HttpResponseBase:
        if not request.user.is_authenticated and not allowed(request):
            return redirect_to_login(request.get_full_path())
        if not allowed(request):
            raise PermissionDenied
        try:
            file = storage.open(filename, "rb")
        except FileNotFoundError:
            raise Http404("No such file.") from None
        return FileResponse(file, as_attachment=True, filename=filename.rsplit("/", 1)[-1])

    return download


app_name = "django_b2_storage"
urlpatterns = [
    path("b2/<path:filename>", _route(PublicStorage, lambda request: True), name="b2-public"),
    path(
        "b2l/<path:filename>",
        _route(LoggedInStorage, lambda request: request.user.is_authenticated),
        name="b2-logged-in",
    ),
    path(
        "b2s/<path:filename>",
        _route(StaffStorage, lambda request: request.user.is_authenticated and request.user.is_staff),
        name="b2-staff",
    ),
]
