"""Who may download what: login, staff, inactive users, the permission hook, route separation."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.http import HttpRequest
from django.test import Client

from django_backblaze_b2 import access
from django_backblaze_b2.checks import configuration as checks
from django_backblaze_b2.proxy import routes
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
        from django_backblaze_b2.proxy.views import LoggedInDownloadView

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


# A bucket no plain storage of the test project uses: a plain storage's place counts as private.
SHARED = {"bucket": "shared", "specific_bucket_names": {"public": None, "logged_in": None, "staff": None}}


def put_unmarked(name: str, data: bytes, content_type: str = "application/octet-stream") -> None:
    """A file as 7.0.0 (or an upload by hand) left it: no access mark."""
    storage = BackblazeB2Storage()
    storage.bucket.upload_bytes(data, storage.b2_file_name(name), content_type=content_type)


WITHOUT_MODELS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django_backblaze_b2",
]


class TestSharedBucket:
    """7.0.0's default: all three routes read one bucket with no location. Each file's access mark,
    not a guess at which storages are in use, keeps staff files off the less privileged routes."""

    @pytest.fixture(autouse=True)
    def shared_bucket(self, settings: Any) -> None:
        settings.BACKBLAZE_CONFIG = {**settings.BACKBLAZE_CONFIG, **SHARED}

    def test_staff_files_saved_from_code_stay_off_the_public_route(
        self, client: Client, user: User, admin_client: Client, put: Put, settings: Any
    ) -> None:
        # StaffStorage used only from code (a view, a task): not in STORAGES, no model field.
        settings.INSTALLED_APPS = WITHOUT_MODELS
        settings.STORAGES = {k: v for k, v in STORAGES_IN_USE.items() if k in ("default", "staticfiles")}
        put("payroll.pdf", b"secret", StaffStorage)
        assert client.get("/b2/payroll.pdf").status_code == 404
        assert client.head("/b2/payroll.pdf").status_code == 404
        assert client.get("/b2/payroll.pdf", HTTP_RANGE="bytes=0-").status_code == 404
        assert client.get("/b2/payroll.pdf", HTTP_RANGE="bytes=2-3").status_code == 404
        assert client.get("/b2/payroll.pdf", HTTP_IF_NONE_MATCH='"x"').status_code == 404
        client.force_login(user)
        assert client.get("/b2l/payroll.pdf").status_code == 404
        assert body(admin_client.get("/b2s/payroll.pdf")) == b"secret"

    def test_refusal_looks_like_a_missing_file(self, client: Client, put: Put) -> None:
        put("payroll.pdf", b"secret", StaffStorage)
        refused, missing = client.get("/b2/payroll.pdf"), client.get("/b2/nothing.pdf")
        assert (refused.status_code, refused.content) == (missing.status_code, missing.content)

    def test_each_route_serves_its_own_files(self, client: Client, user: User, put: Put) -> None:
        put("logo.png", b"png", PublicStorage)
        put("cv.pdf", b"cv", LoggedInStorage)
        assert body(client.get("/b2/logo.png")) == b"png"
        assert client.get("/b2/cv.pdf").status_code == 404
        client.force_login(user)
        assert body(client.get("/b2l/cv.pdf")) == b"cv"
        assert body(client.get("/b2l/logo.png")) == b"png"  # less privileged files: harmless

    def test_overwriting_a_public_file_from_staff_takes_it_off_the_public_route(self, client: Client, put: Put) -> None:
        put("minutes.txt", b"draft", PublicStorage)
        assert body(client.get("/b2/minutes.txt")) == b"draft"
        StaffStorage(allow_file_overwrites=True).save("minutes.txt", ContentFile(b"board only"))
        assert client.get("/b2/minutes.txt").status_code == 404

    def test_a_file_written_through_open_wb_is_marked(self, client: Client, admin_client: Client) -> None:
        with StaffStorage().open("notes.txt", "wb") as file:
            file.write(b"staff notes")
        assert client.get("/b2/notes.txt").status_code == 404
        assert body(admin_client.get("/b2s/notes.txt")) == b"staff notes"

    def test_a_copy_takes_the_stricter_of_its_source_and_its_storage(
        self, client: Client, admin_client: Client, put: Put
    ) -> None:
        put("plan.pdf", b"plan", StaffStorage)
        put("logo.png", b"png", PublicStorage)
        PublicStorage().copy("plan.pdf", "plan-public.pdf")  # a copy is never less private than its source
        StaffStorage().copy("plan.pdf", "plan-copy.pdf")
        StaffStorage().copy("logo.png", "logo-staff.png")  # ... and takes its storage's mark when that is stricter
        assert client.get("/b2/plan-public.pdf").status_code == 404
        assert client.get("/b2/plan-copy.pdf").status_code == 404
        assert client.get("/b2/logo-staff.png").status_code == 404
        assert body(admin_client.get("/b2s/plan-copy.pdf")) == b"plan"
        assert body(admin_client.get("/b2s/logo-staff.png")) == b"png"

    def test_an_override_of_get_upload_options_cannot_forge_or_drop_the_mark(self, client: Client, put: Put) -> None:
        put("forged.txt", b"x", StaffStorage, file_info={access.MARK_KEY: "public"})
        put("dropped.txt", b"x", StaffStorage, file_info={})
        assert client.get("/b2/forged.txt").status_code == 404
        assert client.get("/b2/dropped.txt").status_code == 404

    def test_an_unknown_mark_counts_as_private(self, client: Client, admin_client: Client) -> None:
        storage = BackblazeB2Storage()
        storage.bucket.upload_bytes(b"x", "odd.txt", file_info={access.MARK_KEY: "everyone"})
        assert client.get("/b2/odd.txt").status_code == 404
        assert admin_client.get("/b2s/odd.txt").status_code == 404

    def test_a_plain_storages_files_are_served_by_no_route(
        self, client: Client, admin_client: Client, put: Put
    ) -> None:
        put("contract.pdf", b"private", BackblazeB2Storage)  # reached through url() links, not a route
        assert access.marked_route(BackblazeB2Storage().get_file_metadata("contract.pdf").file_info) == "private"
        assert client.get("/b2/contract.pdf").status_code == 404
        assert admin_client.get("/b2s/contract.pdf").status_code == 404

    def test_unmarked_files_are_refused_where_a_privileged_storage_shares_the_place(
        self, client: Client, admin_client: Client, put: Put
    ) -> None:
        put_unmarked("old.pdf", b"7.0.0")  # as 7.0.0 or an upload by hand left it
        assert client.get("/b2/old.pdf").status_code == 404
        assert body(admin_client.get("/b2s/old.pdf")) == b"7.0.0"  # nothing above staff

    def test_serving_unmarked_files_is_an_explicit_choice_and_an_error(
        self, client: Client, put: Put, settings: Any
    ) -> None:
        put_unmarked("old.pdf", b"7.0.0")
        put("payroll.pdf", b"secret", StaffStorage)
        assert checks.check_route_separation() == []  # nothing is exposed
        settings.BACKBLAZE_CONFIG = {**settings.BACKBLAZE_CONFIG, "serve_unmarked_files": True}
        assert body(client.get("/b2/old.pdf")) == b"7.0.0"
        assert client.get("/b2/payroll.pdf").status_code == 404  # marked files: never
        messages = checks.check_route_separation()
        assert [m.id for m in messages] == [
            "django_backblaze_b2.E001",  # public serves unmarked files where logged-in files live
            "django_backblaze_b2.E001",  # ... and staff files
            "django_backblaze_b2.E002",  # logged-in serves unmarked files where staff files live
        ]
        assert "Unmarked StaffStorage files" in messages[1].msg and "anyone" in messages[1].msg
        assert "b2_mark_files" in (messages[1].hint or "")
        with pytest.raises(SystemCheckError):
            call_command("check")

    @pytest.mark.parametrize(
        "config",
        [
            {"specific_locations": SEPARATE},
            {"specific_bucket_names": {"public": "pub-bucket", "logged_in": "members-bucket", "staff": "staff-bucket"}},
            {"specific_bucket_names": {"staff": "s-bucket"}, "specific_locations": {"public": "p", "logged_in": "m"}},
            {"specific_locations": {"staff": "staff", "logged_in": "members"}, "location": "public"},
        ],
    )
    def test_separate_places_serve_unmarked_files(
        self, client: Client, put: Put, settings: Any, config: dict[str, Any]
    ) -> None:
        settings.BACKBLAZE_CONFIG = {**settings.BACKBLAZE_CONFIG, **config, "serve_unmarked_files": True}
        assert checks.check_route_separation() == []
        settings.BACKBLAZE_CONFIG = {**settings.BACKBLAZE_CONFIG, "serve_unmarked_files": False}
        public = routes.place("public")  # where the public route's files live
        BackblazeB2Storage(bucket=public.bucket).bucket.upload_bytes(b"png", f"{public.location}/logo.png".lstrip("/"))
        assert body(client.get("/b2/logo.png")) == b"png"

    def test_nested_location_refuses_only_the_nested_unmarked_files(
        self, client: Client, put: Put, settings: Any
    ) -> None:
        settings.BACKBLAZE_CONFIG = {
            **settings.BACKBLAZE_CONFIG,
            "specific_locations": {"logged_in": "members", "staff": "members/staff"},
        }
        put_unmarked("logo.png", b"png")
        put_unmarked("members/cv.pdf", b"cv")
        assert body(client.get("/b2/logo.png")) == b"png"
        assert client.get("/b2/members/cv.pdf").status_code == 404

    @pytest.fixture
    def route_files(self) -> Iterator[type[Any]]:
        """The test model, its fields' storages built for this test's settings (models are imported
        before a test changes settings, and a storage takes its place from settings when built)."""
        from tests.testapp.models import RouteFiles

        fields = {name: RouteFiles._meta.get_field(name) for name in ("public", "members", "staff")}
        built_with = {name: field.storage for name, field in fields.items()}  # type: ignore[union-attr]
        for name, storage_class in (("public", PublicStorage), ("members", LoggedInStorage), ("staff", StaffStorage)):
            fields[name].storage = storage_class()  # type: ignore[union-attr]
        yield RouteFiles
        for name, field in fields.items():
            field.storage = built_with[name]  # type: ignore[union-attr]

    def test_b2_mark_files_brings_back_upgraded_public_files(
        self, client: Client, admin_client: Client, put: Put, route_files: Any
    ) -> None:
        # Files as 7.0.0 left them, unmarked, with the rows that refer to them.
        put_unmarked("logo.png", b"png", "image/png")
        put_unmarked("payroll.pdf", b"secret")
        put_unmarked("both.txt", b"shared")
        route_files.objects.create(public="logo.png", staff="payroll.pdf")
        route_files.objects.create(public="both.txt", staff="both.txt")
        route_files.objects.create(public="gone.txt")
        assert client.get("/b2/logo.png").status_code == 404

        out = StringIO()
        call_command("b2_mark_files", "--dry-run", stdout=out)
        assert "logo.png: would mark (public)" in out.getvalue()
        assert client.get("/b2/logo.png").status_code == 404  # a dry run changes nothing

        out = StringIO()
        call_command("b2_mark_files", stdout=out)
        report = out.getvalue()
        assert "1 missing" in report and "marked" in report
        response = client.get("/b2/logo.png")
        assert body(response) == b"png" and response["Content-Type"] == "image/png"
        assert client.get("/b2/payroll.pdf").status_code == 404
        assert client.get("/b2/both.txt").status_code == 404  # the most privileged field wins
        assert body(admin_client.get("/b2s/payroll.pdf")) == b"secret"
        # One version per file: the unmarked one is gone, so nothing unmarked can come back.
        assert len(list(BackblazeB2Storage().bucket.list_file_versions("logo.png"))) == 1

        out = StringIO()
        call_command("b2_mark_files", stdout=out)
        assert "would mark" not in out.getvalue() and ": marked" not in out.getvalue()  # idempotent

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
