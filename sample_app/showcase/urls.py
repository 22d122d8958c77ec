from django.contrib.auth.views import LoginView
from django.urls import path

from . import views
from .demo import DEMO_USERS

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", LoginView.as_view(extra_context={"demo_users": DEMO_USERS}), name="login"),
    path("storages/<slug:slug>/", views.shelf_page, name="shelf"),
    path("large-uploads/", views.large_uploads, name="large-uploads"),
    path("documents/<int:pk>/download/", views.private_download, name="private-download"),
    path("export/", views.request_export, name="request-export"),
    path("export/<int:pk>/download/", views.export_download, name="export-download"),
]
