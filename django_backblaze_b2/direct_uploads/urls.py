"""``path("b2-uploads/", include("django_backblaze_b2.direct_uploads.urls"))`` turns direct uploads on."""

from django.urls import path

from . import views

app_name = "django_b2_direct_uploads"
urlpatterns = [
    path("begin", views.begin, name="begin"),
    path("part-url", views.part_url, name="part-url"),
    path("parts", views.parts, name="parts"),
    path("complete", views.complete, name="complete"),
    path("cancel", views.cancel, name="cancel"),
]
