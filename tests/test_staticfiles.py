"""collectstatic onto the simulated B2, and {% static %} without B2 calls."""

from __future__ import annotations

import io
import json
import os
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import django.contrib.admin
import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.template import Context, Template
from django.test import override_settings

from django_backblaze_b2.staticfiles import BackblazeB2ManifestStaticStorage, BackblazeB2StaticStorage
from django_backblaze_b2.testing import SimulatedB2
from django_backblaze_b2.testing.pytest_plugin import served
from tests.storage_settings import storages_setting

ADMIN_STATIC = Path(django.contrib.admin.__file__).parent / "static"
ADMIN_FILES = sorted(
    str(path.relative_to(ADMIN_STATIC)).replace("\\", "/") for path in ADMIN_STATIC.rglob("*") if path.is_file()
)


def manifest_storage() -> BackblazeB2ManifestStaticStorage:
    """``STORAGES["staticfiles"]``, the instance {% static %} uses."""
    storage = storages["staticfiles"]
    assert isinstance(storage, BackblazeB2ManifestStaticStorage)
    return storage


def static_settings(backend: str) -> AbstractContextManager[None]:
    return storages_setting(
        {
            "default": {"BACKEND": "django_backblaze_b2.storage.BackblazeB2Storage"},
            "staticfiles": {"BACKEND": backend, "OPTIONS": {"bucket": "static-site"}},
        },
        STATICFILES_DIRS=[str(ADMIN_STATIC)],
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        STATIC_ROOT=None,
    )


@pytest.fixture
def in_process_only(request: pytest.FixtureRequest) -> None:
    if served(request.config):
        pytest.skip("repeated collectstatic of the admin takes minutes over HTTP; run in process")


heavy = pytest.mark.usefixtures("in_process_only")


@pytest.fixture
def static_bucket(b2: SimulatedB2) -> SimulatedB2:
    b2.create_bucket("static-site", "allPublic")
    return b2


def collectstatic(*args: str) -> str:
    out = io.StringIO()
    call_command("collectstatic", "--no-input", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def plain_static(static_bucket: SimulatedB2) -> Iterator[SimulatedB2]:
    with static_settings("django_backblaze_b2.staticfiles.BackblazeB2StaticStorage"):
        yield static_bucket


@pytest.fixture
def manifest_static(static_bucket: SimulatedB2) -> Iterator[SimulatedB2]:
    with static_settings("django_backblaze_b2.staticfiles.BackblazeB2ManifestStaticStorage"):
        yield static_bucket


def test_collectstatic_uploads_every_file_under_static(plain_static: SimulatedB2) -> None:
    output = collectstatic()

    assert f"{len(ADMIN_FILES)} static files copied" in output
    assert plain_static.file_names("static-site") == [f"static/{name}" for name in ADMIN_FILES]


@heavy
def test_second_collectstatic_copies_nothing(plain_static: SimulatedB2) -> None:
    collectstatic()
    plain_static.calls.clear()

    output = collectstatic()

    assert f"0 static files copied, {len(ADMIN_FILES)} unmodified" in output
    assert plain_static.calls["b2_upload_file"] == 0
    assert plain_static.calls["b2_delete_file_version"] == 0


def test_changed_source_file_is_uploaded_again(plain_static: SimulatedB2, tmp_path: Path) -> None:
    (tmp_path / "site.css").write_text("body { color: red }")
    with override_settings(STATICFILES_DIRS=[str(tmp_path)]):
        collectstatic()
        # A source modified after the upload counts as changed.
        later = time.time() + 60
        (tmp_path / "site.css").write_text("body { color: blue }")
        os.utime(tmp_path / "site.css", (later, later))

        output = collectstatic()

    assert "1 static file copied" in output
    with staticfiles_storage.open("site.css") as stored:
        assert stored.read() == b"body { color: blue }"


@heavy
def test_collectstatic_clear_removes_stale_files_in_subfolders(plain_static: SimulatedB2) -> None:
    collectstatic()
    staticfiles_storage.save("old/deep/stale.js", ContentFile(b"gone soon"))
    staticfiles_storage.save("stale-top.txt", ContentFile(b"gone soon"))

    output = collectstatic("--clear", "--verbosity", "2")

    assert "Deleting 'old/deep/stale.js'" in output
    names = plain_static.file_names("static-site")
    assert "static/old/deep/stale.js" not in names
    assert "static/stale-top.txt" not in names
    assert names == [f"static/{name}" for name in ADMIN_FILES]
    assert f"{len(ADMIN_FILES)} static files copied" in output


def test_static_urls_point_at_the_public_bucket_without_b2_calls(plain_static: SimulatedB2) -> None:
    staticfiles_storage.url("warm-up.css")
    plain_static.calls.clear()

    url = staticfiles_storage.url("admin/css/base.css")

    assert url.endswith("/file/static-site/static/admin/css/base.css")
    assert plain_static.calls.total == 0


def test_static_urls_use_the_cdn_when_configured(plain_static: SimulatedB2) -> None:
    storage = BackblazeB2StaticStorage(
        bucket="static-site", cdn_config={"base_url": "cdn.example.com", "include_bucket_url_segments": False}
    )

    assert storage.url("admin/css/base.css") == "https://cdn.example.com/static/admin/css/base.css"


def test_static_options_override_the_class_defaults(settings: object, b2: SimulatedB2) -> None:
    storage = BackblazeB2StaticStorage(location="assets/v2")
    media_storage_config = BackblazeB2StaticStorage()

    assert storage.options.location == "assets/v2"
    assert media_storage_config.options.location == "static"
    assert media_storage_config.options.allow_file_overwrites is True


# -- the manifest storage ------------------------------------------------------------------------


@heavy
def test_manifest_collectstatic_writes_hashed_copies_and_manifest(manifest_static: SimulatedB2) -> None:
    output = collectstatic()

    assert f"{len(ADMIN_FILES)} static files copied" in output
    names = manifest_static.file_names("static-site")
    assert "static/staticfiles.json" in names
    manifest = json.loads(staticfiles_storage.open("staticfiles.json").read())
    hashed = manifest["paths"]["admin/css/base.css"]
    assert hashed != "admin/css/base.css"
    assert f"static/{hashed}" in names


@heavy
def test_hashed_copies_are_cached_for_a_year_and_originals_are_not(manifest_static: SimulatedB2) -> None:
    collectstatic()
    storage = manifest_storage()
    hashed = storage.stored_name("admin/css/base.css")

    assert storage.get_file_metadata(hashed).cache_control == "public, max-age=31536000, immutable"
    assert storage.get_file_metadata("admin/css/base.css").cache_control is None
    assert storage.get_file_metadata("staticfiles.json").cache_control is None


def test_a_name_that_only_looks_hashed_gets_no_long_cache(manifest_static: SimulatedB2) -> None:
    storage = BackblazeB2ManifestStaticStorage(bucket="static-site")

    name = storage.save("vendor/lib.0123456789ab.js", ContentFile(b"not the content behind that hash"))

    assert storage.get_file_metadata(name).cache_control is None


def test_static_tags_render_without_b2_calls_once_the_manifest_is_read(manifest_static: SimulatedB2) -> None:
    collectstatic()
    template = Template(
        "{% load static %}"
        + "".join(f"<link href='{{% static {name!r} %}}'>" for name in ADMIN_FILES if name.endswith(".css"))
        + "<script src='{% static 'admin/js/core.js' %}'></script>"
    )
    with static_settings("django_backblaze_b2.staticfiles.BackblazeB2ManifestStaticStorage"):
        # As in a freshly started web process: the first URL reads the manifest from B2.
        manifest_static.calls.clear()
        staticfiles_storage.url("admin/css/base.css")
        assert manifest_static.calls["b2_download_file_by_name"] == 1
        manifest_static.calls.clear()

        html = template.render(Context())

        assert manifest_static.calls.total == 0
        hashed = manifest_storage().stored_name("admin/js/core.js")
    assert hashed != "admin/js/core.js"
    assert f"/file/static-site/static/{hashed}'" in html


@heavy
def test_manifest_is_read_once_per_storage(manifest_static: SimulatedB2) -> None:
    collectstatic()
    manifest_static.calls.clear()

    storage = BackblazeB2ManifestStaticStorage(bucket="static-site")
    assert manifest_static.calls.total == 0  # building it reads nothing: checks and commands never need it
    for name in ADMIN_FILES:
        storage.url(name)

    # The first URL reads the manifest (a HEAD and a download); no other URL asks B2 anything.
    assert manifest_static.calls.as_dict() == {"b2_get_file_info_by_name": 1, "b2_download_file_by_name": 1}


def test_missing_manifest_means_no_hashed_names_yet(manifest_static: SimulatedB2) -> None:
    storage = BackblazeB2ManifestStaticStorage(bucket="static-site")

    assert storage.hashed_files == {}
    with pytest.raises(ValueError, match=r"Missing staticfiles manifest entry for 'admin/css/base\.css'"):
        storage.url("admin/css/base.css")


@heavy
def test_second_manifest_collectstatic_uploads_only_what_changed(manifest_static: SimulatedB2) -> None:
    collectstatic()
    manifest_static.calls.clear()

    output = collectstatic()

    assert f"0 static files copied, {len(ADMIN_FILES)} unmodified" in output
    # Django re-saves post-processed CSS (its content may point at changed files) and the manifest;
    # every other hashed copy is already there.
    css_files = [name for name in ADMIN_FILES if name.endswith(".css")]
    assert manifest_static.calls["b2_upload_file"] <= len(css_files) + 1
    print("second manifest collectstatic B2 calls:", manifest_static.calls.as_dict())


@heavy
def test_manifest_collectstatic_clear_then_collect(manifest_static: SimulatedB2) -> None:
    collectstatic()
    staticfiles_storage.save("stale/old.abcdef123456.css", ContentFile(b"old"))

    collectstatic("--clear")

    names = manifest_static.file_names("static-site")
    assert "static/stale/old.abcdef123456.css" not in names
    assert "static/staticfiles.json" in names


@heavy
def test_manifest_collectstatic_costs_a_listing_not_calls_per_file(manifest_static: SimulatedB2) -> None:
    collectstatic()
    for args in ((), ("--clear",)):
        manifest_static.calls.clear()

        collectstatic(*args)

        # One listing for the run (post-processing included); the few class B calls read the manifest.
        by_class = manifest_static.calls.by_class()
        assert by_class["C"] == manifest_static.calls["b2_list_file_versions"] == 1, args
        assert by_class["B"] <= 3, args
