"""Proxy download views (placeholder until the streaming views land)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound


def _not_yet(request: HttpRequest, filename: str) -> HttpResponse:
    return HttpResponseNotFound("Not found", content_type="text/plain")


download_public_file = _not_yet
download_logged_in_file = _not_yet
download_staff_file = _not_yet
