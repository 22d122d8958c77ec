"""What commands over many files cost in B2 calls: about one listing per 1000 names, not calls per file.

B2 bills a listing as a class C transaction per 1000 names, and the library lists 1000 a call, so
call counts here are the bill. Uploads, copies' part uploads and version deletes are class A (free).
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.checks import run_checks
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.test import override_settings

from django_backblaze_b2.staticfiles import BackblazeB2StaticStorage
from django_backblaze_b2.testing import SimulatedB2
from django_backblaze_b2.testing.pytest_plugin import served
from tests.storage_settings import storages_setting

N_FILES = 1200  # two listing pages


@pytest.fixture
def in_process_only(request: pytest.FixtureRequest) -> None:
    if served(request.config):
        pytest.skip("uploads 1200 files twice; over HTTP that takes minutes: run in process")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A static folder of N_FILES small files in a few subfolders."""
    for i in range(N_FILES):
        path = tmp_path / f"app{i % 7}" / f"f{i:05}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"static {i}")
    return tmp_path


@pytest.fixture
def static_b2(b2: SimulatedB2, site: Path, in_process_only: None) -> Iterator[SimulatedB2]:
    b2.create_bucket("static-site", "allPublic")
    with storages_setting(
        {
            "default": {"BACKEND": "django_backblaze_b2.storage.BackblazeB2Storage"},
            "staticfiles": {
                "BACKEND": "django_backblaze_b2.staticfiles.BackblazeB2StaticStorage",
                "OPTIONS": {"bucket": "static-site"},
            },
        },
        STATICFILES_DIRS=[str(site)],
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        STATIC_ROOT=None,
    ):
        static_storage().bucket  # noqa: B018 - authorized, bucket known: the same for any deploy
        b2.calls.clear()
        yield b2


def static_storage() -> BackblazeB2StaticStorage:
    storage = storages["staticfiles"]
    assert isinstance(storage, BackblazeB2StaticStorage)
    return storage


def collectstatic(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("collectstatic", "--no-input", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def listings(b2: SimulatedB2) -> int:
    return b2.calls["b2_list_file_names"] + b2.calls["b2_list_file_versions"]


def test_first_collectstatic_costs_one_listing_and_the_uploads(static_b2: SimulatedB2) -> None:
    out, err = collectstatic()

    assert f"{N_FILES} static files copied" in out
    assert static_b2.calls["b2_upload_file"] == N_FILES
    assert static_b2.calls.by_class()["B"] == 0
    assert static_b2.calls.by_class()["C"] == listings(static_b2) == 1  # an empty location is one page
    # A long run shows its progress (files, bytes, rate) on stderr.
    assert f"{N_FILES}/{N_FILES} files ({N_FILES} copied)" in err and "files/s" in err
    assert "ETA" in err  # the files are counted first (a walk of the local folders)


def test_repeated_collectstatic_costs_the_listing_only(static_b2: SimulatedB2) -> None:
    collectstatic()
    static_b2.calls.clear()

    out, _err = collectstatic()

    assert f"0 static files copied, {N_FILES} unmodified" in out
    assert static_b2.calls.by_class() == {"A": 0, "B": 0, "C": math.ceil(N_FILES / 1000)}


def test_a_changed_file_costs_its_delete_and_upload(static_b2: SimulatedB2, site: Path) -> None:
    collectstatic()
    static_b2.calls.clear()
    changed = site / "app3" / "f00003.txt"
    changed.write_text("new content")
    later = changed.stat().st_mtime + 3600
    os.utime(changed, (later, later))

    out, _err = collectstatic()

    assert "1 static file copied" in out
    assert static_b2.calls["b2_upload_file"] == 1
    assert static_b2.calls["b2_delete_file_version"] == 1
    assert static_b2.calls.by_class()["B"] == 0
    assert static_b2.calls.by_class()["C"] == math.ceil(N_FILES / 1000)
    with staticfiles_storage.open("app3/f00003.txt") as stored:
        assert stored.read() == b"new content"


def test_clear_costs_one_versions_listing_and_free_deletes(static_b2: SimulatedB2) -> None:
    collectstatic()
    staticfiles_storage.save("stale/deep/old.js", ContentFile(b"stale"))
    staticfiles_storage.save("app1/f00001.txt", ContentFile(b"an older version stays under the new one"))
    static_b2.calls.clear()

    out, _err = collectstatic("--clear")

    assert f"{N_FILES} static files copied" in out
    names = static_b2.file_names("static-site")
    assert "static/stale/deep/old.js" not in names and len(names) == N_FILES
    # Every version went: no older content comes back under a name.
    assert static_b2.file_versions("static-site", "static/app1/f00001.txt") == 1
    versions = N_FILES + 2
    assert static_b2.calls["b2_delete_file_version"] == versions
    assert static_b2.calls.by_class()["B"] == 0
    assert static_b2.calls.by_class()["C"] == listings(static_b2) == math.ceil(versions / 1000)


def test_djangos_own_collectstatic_is_reported_and_still_works(static_b2: SimulatedB2) -> None:
    from django.conf import settings

    apps = [app for app in settings.INSTALLED_APPS if app != "django_backblaze_b2"]
    apps.insert(apps.index("django.contrib.staticfiles") + 1, "django_backblaze_b2")
    with override_settings(INSTALLED_APPS=apps):
        warnings = [message for message in run_checks() if message.id == "django_backblaze_b2.W070"]
        assert len(warnings) == 1
        assert "'django.contrib.staticfiles'" in warnings[0].msg
        assert "List 'django_backblaze_b2' above 'django.contrib.staticfiles'" in (warnings[0].hint or "")

        # Run inside collecting(), Django's own command costs the same listing.
        with static_storage().collecting():
            out, _err = collectstatic()

    assert f"{N_FILES} static files copied" in out
    assert static_b2.calls.by_class()["B"] == 0
    assert listings(static_b2) == 1


def test_no_warning_when_this_librarys_collectstatic_runs(static_b2: SimulatedB2) -> None:
    assert [message for message in run_checks() if message.id == "django_backblaze_b2.W070"] == []
