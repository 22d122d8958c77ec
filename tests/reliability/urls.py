"""The proxy routes with Django's login views, so a test can follow the login redirect to its end."""

from django.urls import include, path

urlpatterns = [
    path("", include("django_backblaze_b2.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
]
