from django.urls import include, path

from . import views

urlpatterns = [
    path("b2-uploads/", include("django_backblaze_b2.direct_uploads.urls")),
    path("forms/<str:kind>/", views.form_page),
]
