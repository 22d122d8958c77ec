"""The library's proxy routes, and ``/plain/`` answering a small body from memory (the floor a proxied
small file is compared with)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

#: The body of ``/plain/`` and of the small file the benchmarks proxy.
SMALL_BODY = bytes(range(256)) * 4  # 1 KiB


def plain(request: HttpRequest) -> HttpResponse:
    return HttpResponse(SMALL_BODY, content_type="application/octet-stream")


urlpatterns = [path("plain/", plain), path("", include("django_backblaze_b2.urls"))]
