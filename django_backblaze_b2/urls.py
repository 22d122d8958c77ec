"""``include("django_backblaze_b2.urls")``: the proxy routes ``/b2/``, ``/b2l/``, ``/b2s/`` (see :mod:`.proxy`)."""

from .proxy.urls import app_name, urlpatterns

__all__ = ["app_name", "urlpatterns"]
