from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("showcase.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    # The library's proxy routes: /b2/ (anyone), /b2l/ (logged-in users), /b2s/ (staff).
    path("", include("django_backblaze_b2.urls")),
]
