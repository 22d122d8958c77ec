"""The proxy routes, from the route table: ``include("django_backblaze_b2.urls")``."""

from django.urls import path

from .routes import NAMESPACE, ROUTE_TABLE
from .views import ROUTE_VIEWS

app_name = NAMESPACE
urlpatterns = [
    path(f"{route.path}<path:filename>", ROUTE_VIEWS[name], name=route.url_name) for name, route in ROUTE_TABLE.items()
]
