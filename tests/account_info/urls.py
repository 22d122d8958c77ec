"""A view that reads a file from the default B2 storage, as an application's view would."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from django_backblaze_b2.storage import BackblazeB2Storage


def read(request: HttpRequest, name: str) -> HttpResponse:
    with BackblazeB2Storage().open(name) as f:
        return HttpResponse(f.read(), content_type="application/octet-stream")


urlpatterns = [path("read/<path:name>", read)]
