"""Who may download what: login, staff, inactive users, the permission hook, route separation."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.http import HttpRequest
from django.test import Client

from django_backblaze_b2 import checks
from django_backblaze_b2.storage import BackblazeB2Storage

from .conftest import LoggedInStorage, PublicStorage, Put, StaffStorage, body

pytestmark = pytest.mark.django_db

SEPARATE = {"public": "public", "logged_in": "members", "staff": "staff"}


@pytest.fixture
def user(django_user_model: Any) -> User:
    return django_user_model.objects.create_user("member")  # type: ignore[no-any-return]


@pytest.fixture
def staff(django_user_model: Any) -> User:
    return django_user_model.objects.create_user("staffer", is_staff=True)  # type: ignore[no-any-return]


@pytest.fixture
def files(put: Put, settings: Any) -> None:
    settings.BACKBLAZE_CONFIG = {**settings.BACKBLAZE_CONFIG, "specific_locations": SEPARATE}
    put("report.pdf", b"members only", LoggedInStorage, content_type="application/pdf")
    put("report.pdf", b"staff only", StaffStorage, content_type="application/pdf")


class TestLogin:
    @pytest.mark.parametrize("route", ["b2l", "b2s"])
    def test_anonymous_is_sent_to_login(self, client: Client, files: None, route: str) -> None:
        response = client.get(f"/{route}/report.pdf?page=2")
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next=/{route}/report.pdf%3Fpage%3D2"

    def test_login_url_setting(self, client: Client, files: None, settings: Any) -> None:
        settings.LOGIN_URL = "/sign-in/"
        assert client.get("/b2l/report.pdf")["Location"] == "/sign-in/?next=/b2l/report.pdf"

    def test_next_never_leaves_the_site(self, client: Client, files: None) -> None:
        response = client.get("/b2l//evil.example/x")
        assert response["Location"].startswith("/accounts/login/?next=/b2l/")

    def test_anonymous_head_is_redirected_too(self, client: Client, files: None) -> None:
        assert client.head("/b2s/report.pdf").status_code == 302

    def test_logged_in_user(self, client: Client, files: None, user: User) -> None:
        client.force_login(user)
        response = client.get("/b2l/report.pdf")
        assert response.status_code == 200
        assert body(response) == b"members only"
        assert response["Cache-Control"] == "private, no-cache"

    def test_non_staff_on_staff_route_is_403(self, client: Client, files: None, user: User) -> None:
        client.force_login(user)
        response = client.get("/b2s/report.pdf")
        assert response.status_code == 403
        assert response["Content-Type"] == "text/plain; charset=utf-8"

    def test_staff(self, client: Client, files: None, staff: User) -> None:
        client.force_login(staff)
        response = client.get("/b2s/report.pdf")
        assert response.status_code == 200
        assert body(response) == b"staff only"
        assert response["Cache-Control"] == "private, no-cache"

    def test_inactive_users_are_403(self, client: Client, files: None, settings: Any, django_user_model: Any) -> None:
        # With ModelBackend an inactive user is simply not logged in; backends that let them in get a 403.
        settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.AllowAllUsersModelBackend"]
        inactive = django_user_model.objects.create_user("gone", is_staff=True, is_active=False)
        client.force_login(inactive)
        assert client.get("/b2l/report.pdf").status_code == 403
        assert client.get("/b2s/report.pdf").status_code == 403

    def test_missing_file_for_allowed_user_is_404(self, client: Client, files: None, user: User) -> None:
        client.force_login(user)
        response = client.get("/b2l/nope.pdf")
        assert response.status_code == 404
        assert response.content == b"Not found\n"


def only_pdfs(request: HttpRequest, storage: BackblazeB2Storage, name: str) -> bool:
    return name.endswith(".pdf") or bool(request.user.is_staff)


not_callable = 42


class TestPermissionHook:
    @pytest.fixture(autouse=True)
    def hook(self, settings: Any) -> None:
        settings.BACKBLAZE_CONFIG = {
            **settings.BACKBLAZE_CONFIG,
            "specific_locations": SEPARATE,
            "download_permission": f"{__name__}.only_pdfs",
        }

    def test_allowed_and_denied(self, client: Client, put: Put, user: User) -> None:
        put("a.pdf", b"pdf", LoggedInStorage)
        put("a.txt", b"txt", LoggedInStorage)
        client.force_login(user)
        assert body(client.get("/b2l/a.pdf")) == b"pdf"
        assert client.get("/b2l/a.txt").status_code == 403

    def test_denied_anonymous_goes_to_login(self, client: Client, put: Put) -> None:
        put("a.txt", b"txt", PublicStorage)
        put("a.pdf", b"pdf", PublicStorage)
        assert client.get("/b2/a.txt").status_code == 302
        response = client.get("/b2/a.pdf")
        assert body(response) == b"pdf"
        # The answer depends on who asks: no shared cache may keep it.
        assert response["Cache-Control"] == "private, no-cache"

    def test_broken_hook_is_reported_not_500(self, client: Client, put: Put, settings: Any) -> None:
        put("a.pdf", b"pdf", PublicStorage)
        settings.BACKBLAZE_CONFIG = {**settings.BACKBLAZE_CONFIG, "download_permission": f"{__name__}.not_callable"}
        response = client.get("/b2/a.pdf")
        assert response.status_code == 502
        assert [m.id for m in checks.check_download_permission()] == ["django_backblaze_b2.E003"]
        settings.BACKBLAZE_CONFIG = {**settings.BACKBLAZE_CONFIG, "download_permission": "no.such.module.fn"}
        assert [m.id for m in checks.check_download_permission()] == ["django_backblaze_b2.E003"]

    def test_view_subclass(self, rf: Any, put: Put, user: User) -> None:
        from django_backblaze_b2.views import LoggedInDownloadView

        class OwnFilesOnly(LoggedInDownloadView):
            def has_permission(self, request: HttpRequest, storage: BackblazeB2Storage, name: str) -> bool:
                return name.startswith(f"{request.user.get_username()}/")

        put("member/cv.pdf", b"mine", LoggedInStorage)
        put("other/cv.pdf", b"theirs", LoggedInStorage)
        view = OwnFilesOnly.as_view()
        request = rf.get("/x")
        request.user = user
        assert body(view(request, "member/cv.pdf")) == b"mine"
        assert view(request, "other/cv.pdf").status_code == 403


STORAGES_IN_USE = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "members": {"BACKEND": "django_backblaze_b2.storages.LoggedInStorage"},
    "staff": {"BACKEND": "django_backblaze_b2.storages.StaffStorage"},
}


SHARED = {"specific_bucket_names": {"public": None, "logged_in": None, "staff": None}}
WITHOUT_MODELS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django_backblaze_b2",
]


class TestSharedBucket:
    """7.0.0's default: all three routes read one bucket with no location."""

    @pytest.fixture(autouse=True)
    def shared_bucket(self, settings: Any) -> None:
        settings.BACKBLAZE_CONFIG = {**settings.BACKBLAZE_CONFIG, **SHARED}

    def test_check_errors(self, settings: Any) -> None:
        settings.STORAGES = STORAGES_IN_USE
        messages = checks.check_route_separation()
        assert [m.id for m in messages] == [
            "django_backblaze_b2.E001",  # public reaches logged-in files
            "django_backblaze_b2.E001",  # public reaches staff files
            "django_backblaze_b2.E002",  # logged-in reaches staff files
        ]
        assert "StaffStorage files" in messages[1].msg and "anyone" in messages[1].msg
        assert "specific_locations" in (messages[1].hint or "")
        with pytest.raises(SystemCheckError):
            call_command("check")

    def test_no_error_when_private_storages_are_unused(self, settings: Any) -> None:
        settings.INSTALLED_APPS = WITHOUT_MODELS  # no model with a FileField on a proxied storage
        settings.STORAGES = {k: v for k, v in STORAGES_IN_USE.items() if k in ("default", "staticfiles")}
        assert checks.check_route_separation() == []

    def test_model_fields_count_as_use(self, settings: Any) -> None:
        from django.db import models

        class StaffOnlyReport(models.Model):
            file = models.FileField(storage=StaffStorage())

            class Meta:
                app_label = "testapp"

            def __str__(self) -> str:
                return self.file.name or ""

        from django.apps import apps

        try:
            settings.INSTALLED_APPS = [*WITHOUT_MODELS, "tests.testapp"]
            settings.STORAGES = {k: v for k, v in STORAGES_IN_USE.items() if k in ("default", "staticfiles")}
            assert [m.id for m in checks.check_route_separation()] == [
                "django_backblaze_b2.E001",
                "django_backblaze_b2.E002",
            ]
        finally:
            del apps.all_models["testapp"]["staffonlyreport"]
            apps.clear_cache()

    def test_public_route_refuses_their_files(
        self, client: Client, admin_client: Client, put: Put, settings: Any
    ) -> None:
        settings.STORAGES = STORAGES_IN_USE
        put("payroll.pdf", b"secret", StaffStorage)
        assert client.get("/b2/payroll.pdf").status_code == 404
        assert admin_client.get("/b2l/payroll.pdf").status_code == 404
        assert body(admin_client.get("/b2s/payroll.pdf")) == b"secret"

    @pytest.mark.parametrize(
        "config",
        [
            {"specific_locations": SEPARATE},
            {"specific_bucket_names": {"public": "pub-bucket", "logged_in": "members-bucket", "staff": "staff-bucket"}},
            {"specific_bucket_names": {"staff": "s-bucket"}, "specific_locations": {"public": "p", "logged_in": "m"}},
            {"specific_locations": {"staff": "staff", "logged_in": "members"}, "location": "public"},
        ],
    )
    def test_fixed_by_separating(self, client: Client, put: Put, settings: Any, config: dict[str, Any]) -> None:
        settings.STORAGES = STORAGES_IN_USE
        settings.BACKBLAZE_CONFIG = {**settings.BACKBLAZE_CONFIG, **config}
        assert checks.check_route_separation() == []
        put("logo.png", b"png", PublicStorage)
        assert body(client.get("/b2/logo.png")) == b"png"

    def test_nested_location_refuses_only_the_nested_files(self, client: Client, put: Put, settings: Any) -> None:
        settings.STORAGES = STORAGES_IN_USE
        settings.BACKBLAZE_CONFIG = {
            **settings.BACKBLAZE_CONFIG,
            "specific_locations": {"logged_in": "members", "staff": "members/staff"},
        }
        assert [m.id for m in checks.check_route_separation()] == [
            "django_backblaze_b2.E001",
            "django_backblaze_b2.E001",
            "django_backblaze_b2.E002",
        ]
        put("logo.png", b"png", PublicStorage)
        put("cv.pdf", b"cv", LoggedInStorage)
        assert body(client.get("/b2/logo.png")) == b"png"
        assert client.get("/b2/members/cv.pdf").status_code == 404

    def test_specific_locations_are_settings_only(self) -> None:
        from django.core.exceptions import ImproperlyConfigured

        with pytest.raises(ImproperlyConfigured, match="BACKBLAZE_CONFIG only"):
            StaffStorage(specific_locations={"staff": "elsewhere"})


class TestRedirectMode:
    def test_permitted_requests_get_a_short_lived_link(
        self, client: Client, files: None, user: User, settings: Any
    ) -> None:
        settings.BACKBLAZE_CONFIG = {**settings.BACKBLAZE_CONFIG, "proxy_redirect_expiry": 60}
        assert client.get("/b2l/report.pdf")["Location"].startswith("/accounts/login/")  # checks first
        client.force_login(user)
        response = client.get("/b2l/report.pdf")
        assert response.status_code == 302
        assert "/members/report.pdf?Authorization=" in response["Location"]
        assert response["Cache-Control"] == "private, no-store"
        assert client.get("/b2s/report.pdf").status_code == 403
