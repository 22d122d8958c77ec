"""ROOT_URLCONF of the library and the reference package: their own ``/b2/``, ``/b2l/``, ``/b2s/``."""

from django.urls import include, path

urlpatterns = [path("", include("django_backblaze_b2.urls"))]
