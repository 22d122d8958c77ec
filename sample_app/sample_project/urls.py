from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("showcase.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    # TODO(views): use the library's proxy routes, include("django_backblaze_b2.urls"), once the
    # streaming views land on main; until then the sample serves the same routes itself.
    path("", include("showcase.interim_proxy")),
]
