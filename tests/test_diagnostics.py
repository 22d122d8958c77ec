"""Every configuration mistake gets one clear message; diagnostics never crash and never change B2.

Against the local B2 server, which (unlike the in-process simulator) has no bucket until one is
created, refuses a wrong key and enforces download authorization.
"""

from __future__ import annotations

import io
import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
import requests
from django.contrib.admin.widgets import AdminFileWidget
from django.core.cache import caches
from django.core.checks import run_checks
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.template import Context, Template
from django.test import override_settings
from django.urls import NoReverseMatch

from django_backblaze_b2 import BackblazeB2Storage, LoggedInStorage
from django_backblaze_b2.connection import MissingBucketError, forget_connections
from django_backblaze_b2.testing.server import LocalB2Server
from django_backblaze_b2.testing.simulator import MB
from tests.mediaapp.models import Document
from tests.storage_settings import storages_setting

B2 = "django_backblaze_b2.storage.BackblazeB2Storage"
MANIFEST = "django_backblaze_b2.staticfiles.BackblazeB2ManifestStaticStorage"


@pytest.fixture
def server() -> Iterator[LocalB2Server]:
    caches["django-backblaze-b2"].clear()  # this suite's own cache: no token from an earlier test
    with LocalB2Server(recommended_part_size=5 * MB) as running:
        yield running
    forget_connections()


def on_server(server: LocalB2Server, aliases: dict[str, Any], **config: Any) -> AbstractContextManager[None]:
    """Settings of a project on the local server: BACKBLAZE_CONFIG with its key, and these STORAGES."""
    backblaze_config = {
        "realm": server.realm,
        "application_key_id": server.key_id,
        "application_key": server.key,
        "bucket": "media-files",
        "specific_bucket_names": {"public": "site-public", "logged_in": "site-members", "staff": "site-staff"},
        **config,
    }
    forget_connections()  # as a freshly started process
    return storages_setting(aliases, BACKBLAZE_CONFIG=backblaze_config, STATIC_URL="/static/")


def create_buckets(server: LocalB2Server, *names: str, bucket_type: str = "allPrivate") -> None:
    from tests.server.conftest import make_api

    api = make_api(server.realm, server.key_id, server.key)
    for name in names:
        api.create_bucket(name, bucket_type)


def deploy_messages(about: str = "STORAGES[") -> list[Any]:
    """The deploy checks' messages that name ``about`` (this suite's models use storages of their own)."""
    return [m for m in run_checks(include_deployment_checks=True, tags=["b2"]) if about in m.msg]


def b2_check(*args: str) -> tuple[str, str | None]:
    out = io.StringIO()
    try:
        call_command("b2_check", *args, stdout=out, no_color=True)
    except CommandError as error:
        return out.getvalue(), str(error)
    return out.getvalue(), None


def bucket_names(server: LocalB2Server) -> set[str]:
    return set(server.simulator.bucket_name_to_bucket)


# -- 1. the manifest storage with its bucket missing ----------------------------------------------


def test_deploy_check_of_a_missing_manifest_bucket_creates_and_reads_nothing(server: LocalB2Server) -> None:
    create_buckets(server, "media-files")
    details = {"bucket_type": "allPublic"}
    aliases = {
        "default": {"BACKEND": B2},
        "staticfiles": {
            "BACKEND": MANIFEST,
            "OPTIONS": {"bucket": "site-static", "non_existent_bucket_details": details},
        },
    }
    with on_server(server, aliases):
        server.reset()
        messages = deploy_messages()

    assert messages == []  # the bucket will be created on first use: nothing wrong yet
    assert bucket_names(server) == {"media-files"}  # ...but not by a check
    assert server.calls["b2_create_bucket"] == 0
    assert server.calls["b2_download_file_by_name"] == server.calls["b2_get_file_info_by_name"] == 0


def test_a_bucket_missing_for_two_storages_is_one_error_naming_both(server: LocalB2Server) -> None:
    aliases = {
        "default": {"BACKEND": B2, "OPTIONS": {"bucket": "site-static"}},
        "staticfiles": {"BACKEND": MANIFEST, "OPTIONS": {"bucket": "site-static"}},
    }
    with on_server(server, aliases):
        messages = deploy_messages()

    missing = [m for m in messages if m.id == "django_backblaze_b2.E030" and "'site-static'" in m.msg]
    assert len(missing) == 1
    assert missing[0].msg.startswith(
        "STORAGES['default'], STORAGES['staticfiles']: bucket 'site-static' does not exist"
    )
    assert bucket_names(server) == set()


def test_b2_check_reports_a_missing_manifest_bucket_and_goes_on(server: LocalB2Server) -> None:
    create_buckets(server, "media-files")
    aliases = {
        "staticfiles": {"BACKEND": MANIFEST, "OPTIONS": {"bucket": "site-static"}},
        "default": {"BACKEND": B2},
    }
    with on_server(server, aliases):
        out, error = b2_check()

    assert error is not None and "problem(s) found" in error
    assert "FAIL  bucket: bucket 'site-static' does not exist" in out
    assert "ok    probe: wrote, read back and deleted a probe file" in out  # "default", checked after it
    assert "Traceback" not in out
    assert bucket_names(server) == {"media-files"}


def test_admin_pages_render_while_the_static_bucket_is_missing(
    server: LocalB2Server, caplog: pytest.LogCaptureFixture
) -> None:
    aliases = {"default": {"BACKEND": B2}, "staticfiles": {"BACKEND": MANIFEST, "OPTIONS": {"bucket": "site-static"}}}
    template = Template("{% load static %}<link href='{% static 'admin/css/base.css' %}'>")
    with on_server(server, aliases), caplog.at_level(logging.ERROR, logger="django_backblaze_b2"):
        pages = [template.render(Context()) for _ in range(3)]

    # Degraded, not down: unhashed names under STATIC_URL, one logged error saying what to run.
    assert pages == ["<link href='/static/admin/css/base.css'>"] * 3
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "bucket 'site-static'" in errors[0] and "check --deploy --tag b2" in errors[0]
    assert server.key not in errors[0]


def test_saving_to_a_missing_bucket_says_what_to_do(server: LocalB2Server) -> None:
    with on_server(server, {"default": {"BACKEND": B2}}), pytest.raises(MissingBucketError) as failure:
        default_storage.save("a.txt", ContentFile(b"x"))
    assert "non_existent_bucket_details" in str(failure.value)


# -- 2. a wrong key while a token is cached -------------------------------------------------------


def test_a_wrong_key_is_an_error_even_while_a_good_token_is_cached(server: LocalB2Server) -> None:
    create_buckets(server, "media-files")
    with on_server(server, {"default": {"BACKEND": B2}}):
        default_storage.save("a.txt", ContentFile(b"x"))  # authorizes; the token goes to the shared cache
    with on_server(server, {"default": {"BACKEND": B2}}, application_key="a-mistyped-key"):
        assert default_storage.exists("a.txt")  # still works, on the cached token: the trap
        server.reset()
        messages = deploy_messages()

    assert [m.id for m in messages] == ["django_backblaze_b2.E035"]  # once for the account, naming its places
    assert "STORAGES['default']" in messages[0].msg
    assert "B2 refused the configured application key" in messages[0].msg
    assert "a-mistyped-key" not in str(messages[0])
    assert server.calls["b2_authorize_account"] == 1  # once per account, whatever the number of storages


def test_b2_check_proves_the_key_not_the_cached_token(server: LocalB2Server) -> None:
    create_buckets(server, "media-files")
    with on_server(server, {"default": {"BACKEND": B2}}):
        default_storage.save("a.txt", ContentFile(b"x"))
    with on_server(server, {"default": {"BACKEND": B2}}, application_key="a-mistyped-key"):
        out, error = b2_check()
    assert error is not None
    assert "FAIL  credentials: B2 refused the credentials" in out


# -- 3. URLs on a cold process ---------------------------------------------------------------------


def test_static_urls_with_a_cdn_need_no_authorization(server: LocalB2Server) -> None:
    cdn = {"base_url": "https://static.example.com", "include_bucket_url_segments": False}
    aliases = {"staticfiles": {"BACKEND": "django_backblaze_b2.staticfiles.BackblazeB2StaticStorage"}}
    with on_server(server, aliases, cdn_config=cdn, application_key="wrong"):
        html = Template("{% load static %}{% static 'site.css' %}").render(Context())
    assert html == "https://static.example.com/static/site.css"
    assert server.calls.total == 0


def test_static_urls_fall_back_to_static_url_when_authorization_fails(
    server: LocalB2Server, caplog: pytest.LogCaptureFixture
) -> None:
    aliases = {"staticfiles": {"BACKEND": "django_backblaze_b2.staticfiles.BackblazeB2StaticStorage"}}
    with on_server(server, aliases, application_key="wrong"), caplog.at_level(logging.ERROR):
        html = Template("{% load static %}{% static 'a.css' %} {% static 'b.css' %}").render(Context())
    assert html == "/static/a.css /static/b.css"
    assert server.calls["b2_authorize_account"] == 1  # not once per tag
    assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 1


# -- 4. url() of a file in a private bucket ------------------------------------------------------


def test_the_admins_currently_link_opens_a_file_in_a_private_bucket(server: LocalB2Server) -> None:
    create_buckets(server, "media-files")
    with on_server(server, {"default": {"BACKEND": B2}}):
        name = default_storage.save("documents/report.pdf", ContentFile(b"%PDF report"))
        html = AdminFileWidget().render("file", Document(file=name).file)
        plain = default_storage.b2_url(name)  # type: ignore[attr-defined]

    link = re.search(r'href="([^"]+)"', html)
    assert link is not None
    url = link.group(1).replace("&amp;", "&")
    response = requests.get(url, timeout=10)
    assert response.status_code == 200 and response.content == b"%PDF report"
    assert requests.get(plain, timeout=10).status_code == 401  # what url() gave before


def test_plain_links_when_opted_out(server: LocalB2Server) -> None:
    create_buckets(server, "media-files")
    with on_server(server, {"default": {"BACKEND": B2, "OPTIONS": {"expiring_private_urls": False}}}):
        name = default_storage.save("a.txt", ContentFile(b"x"))
        server.reset()
        url = default_storage.url(name)
    assert "Authorization" not in url
    assert server.calls.total == 0


# -- 6. mistakes that gave tracebacks, or nothing ----------------------------------------------------


@override_settings(ROOT_URLCONF="tests.urls_without_b2")
def test_proxied_storages_without_the_urls_include() -> None:
    messages = [m for m in run_checks() if m.id in ("django_backblaze_b2.E051", "django_backblaze_b2.W051")]
    by_id = {str(m.id): m.msg for m in messages}
    assert sorted(by_id) == ["django_backblaze_b2.E051", "django_backblaze_b2.W051"]
    assert "LoggedInStorage" in by_id["django_backblaze_b2.E051"] or "StaffStorage" in by_id["django_backblaze_b2.E051"]
    assert "showcase." in by_id["django_backblaze_b2.E051"]  # names the model field using it
    with pytest.raises(NoReverseMatch, match=r"add path\('', include\('django_backblaze_b2.urls'\)\)"):
        LoggedInStorage().url("a.txt")


def test_an_unknown_key_in_storages_options_is_named_where_it_is() -> None:
    aliases = {"default": {"BACKEND": B2, "OPTIONS": {"querystring_expire": 60}}}
    with storages_setting(aliases):
        messages = [m for m in run_checks() if (m.id or "").startswith("django_backblaze_b2")]
    assert [m.id for m in messages] == ["django_backblaze_b2.E050"]
    assert "STORAGES['default']['OPTIONS']" in messages[0].msg and "'querystring_expire'" in messages[0].msg
    assert "keyword arguments" not in messages[0].msg


def test_without_the_app_in_installed_apps_the_checks_still_run_and_e010_is_shown() -> None:
    # A fresh process: a models.py builds a storage at import while BACKBLAZE_CONFIG has a typo.
    program = """
import django
from django.conf import settings
settings.configure(
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "tests.mediaapp"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    BACKBLAZE_CONFIG={"simulator": True, "bukket": "media"},
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
)
django.setup()
from django.core.management import execute_from_command_line
execute_from_command_line(["manage.py", "check"])
"""
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120, check=False)
    assert "django_backblaze_b2.E010" in done.stderr, done.stderr
    assert "'bukket'" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_account_info_check_survives_invalid_options_of_a_model_field() -> None:
    with override_settings(BACKBLAZE_CONFIG={"simulator": True, "bukket": "x"}):
        ids = [m.id for m in run_checks() if (m.id or "").startswith("django_backblaze_b2")]
    assert ids == ["django_backblaze_b2.E010"]  # once, from the settings check


def test_storages_are_rebuilt_from_settings() -> None:
    # Guard for the tests above: STORAGES overrides give fresh instances.
    with storages_setting({"default": {"BACKEND": B2, "OPTIONS": {"bucket": "one"}}}):
        assert storages["default"].options.bucket == "one"  # type: ignore[attr-defined]


def test_public_storage_links_through_its_route_when_b2_cannot_be_asked(server: LocalB2Server) -> None:
    from django_backblaze_b2 import PublicStorage

    with on_server(server, {}, application_key="wrong"):
        assert PublicStorage().url("notes.txt") == "/b2/notes.txt"


def test_validate_on_init_does_not_make_the_deploy_check_create_buckets(server: LocalB2Server) -> None:
    details = {"bucket_type": "allPrivate"}
    options = {"authorize_on_init": True, "validate_on_init": True, "non_existent_bucket_details": details}
    with on_server(server, {"default": {"BACKEND": B2, "OPTIONS": options}}):
        assert deploy_messages() == []
    assert server.calls["b2_create_bucket"] == 0


def test_a_project_without_a_urlconf_gets_its_deploy_check(server: LocalB2Server, settings: Any) -> None:
    del settings.ROOT_URLCONF  # a project that only runs commands (collectstatic, b2_copy_media)
    with on_server(server, {"default": {"BACKEND": B2}}):
        messages = deploy_messages()
    assert [m.id for m in messages] == ["django_backblaze_b2.E030"]  # and no AttributeError


class Unbuildable(BackblazeB2Storage):
    def __init__(self, **kwargs: Any) -> None:
        raise RuntimeError("a subclass with a bug")


def test_a_storage_that_cannot_be_built_is_reported_not_raised(server: LocalB2Server) -> None:
    with on_server(server, {"default": {"BACKEND": f"{__name__}.Unbuildable"}}):
        messages = deploy_messages()
    assert [(m.id, m.msg) for m in messages] == [
        ("django_backblaze_b2.E036", "STORAGES['default']: the storage could not be built (RuntimeError).")
    ]


def test_b2_check_reports_a_storage_that_cannot_be_built_and_goes_on(server: LocalB2Server) -> None:
    create_buckets(server, "media-files")
    aliases = {"broken": {"BACKEND": f"{__name__}.Unbuildable"}, "default": {"BACKEND": B2}}
    with on_server(server, aliases):
        out, error = b2_check()
    assert "FAIL  settings: RuntimeError: a subclass with a bug" in out
    assert "ok    probe" in out
    assert error is not None and "1 problem(s)" in error


@pytest.mark.urls("sample_project.urls")
def test_the_admin_answers_200_while_the_static_bucket_is_missing(server: LocalB2Server, admin_client: Any) -> None:
    aliases = {"default": {"BACKEND": B2}, "staticfiles": {"BACKEND": MANIFEST, "OPTIONS": {"bucket": "site-static"}}}
    with on_server(server, aliases):
        response = admin_client.get("/admin/")
    assert response.status_code == 200
    assert "/static/admin/css/base.css" in response.content.decode()  # degraded: STATIC_URL, unhashed


def test_collectstatic_onto_a_missing_bucket_is_one_clear_error(server: LocalB2Server, tmp_path: Any) -> None:
    (tmp_path / "site.css").write_text("body {}")
    aliases = {"staticfiles": {"BACKEND": MANIFEST, "OPTIONS": {"bucket": "site-static"}}}
    with (
        on_server(server, aliases),
        override_settings(STATICFILES_DIRS=[str(tmp_path)]),
        pytest.raises(
            CommandError, match=r"B2 refused collectstatic \(MissingBucketError: B2 has no bucket 'site-static'"
        ),
    ):
        call_command("collectstatic", "--no-input", stdout=io.StringIO())
    assert bucket_names(server) == set()


def test_static_urls_ask_b2_again_after_the_retry_window(server: LocalB2Server) -> None:
    create_buckets(server, "site-static", bucket_type="allPublic")
    aliases = {"staticfiles": {"BACKEND": "django_backblaze_b2.staticfiles.BackblazeB2StaticStorage"}}
    with on_server(server, aliases, bucket="site-static"):
        server.faults.fail("b2_authorize_account", status=401, code="bad_auth_token", times=None)
        storage = storages["staticfiles"]
        assert storage.url("a.css") == "/static/a.css"  # B2 down: the fallback
        server.faults.clear()
        assert storage.url("a.css") == "/static/a.css"  # within the window: B2 is not asked
        storage._b2_unreachable_until = 0.0  # type: ignore[attr-defined] # as RETRY_AFTER seconds later
        assert storage.url("a.css").endswith("/file/site-static/static/a.css")  # back to B2's URL
