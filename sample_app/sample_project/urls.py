from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("showcase.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    # The library's proxy routes: /b2/ (anyone), /b2l/ (logged-in users), /b2s/ (staff).
    path("", include("django_backblaze_b2.urls")),
    # Direct browser-to-B2 uploads (the large-uploads page and the admin's LargeUpload form).
    path("b2-uploads/", include("django_backblaze_b2.direct_uploads.urls")),
]
