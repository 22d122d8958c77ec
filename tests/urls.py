from django.urls import include, path

urlpatterns = [
    path("", include("django_backblaze_b2.urls")),
]
