"""A URLconf without django_backblaze_b2.urls (system check E051)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
