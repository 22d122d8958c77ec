"""A drop-in for django-backblaze-b2 7.0.0, and what Django's own file-storage tests found.

Each test is one item of the README's "Upgrading from 7.0.0" section or of the storage fixes found by
running Django's ``tests/file_storage`` (``tests/django_suite``) on this storage.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from b2sdk.v2 import B2Api
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import TemporaryUploadedFile

from django_backblaze_b2 import BackblazeB2Storage, LoggedInStorage, PublicStorage, StaffStorage
from django_backblaze_b2.testing import SimulatedB2

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def storage() -> BackblazeB2Storage:
    return BackblazeB2Storage()


def read(storage: BackblazeB2Storage, name: str) -> bytes:
    with storage.open(name) as f:
        return f.read()  # type: ignore[no-any-return]


# -- Found by Django's own tests ---------------------------------------------------------------------


def test_every_method_takes_pathlib_names(storage: BackblazeB2Storage) -> None:
    # Typed as str, as in Django's own storages (and their stubs), which accept paths all the same.
    path: Any = Path("docs/report.txt")
    name = storage.save(path, ContentFile(b"report"))
    assert name == "docs/report.txt"
    assert storage.exists(path)
    assert storage.exists(Path("docs"))  # type: ignore[arg-type]
    assert storage.size(path) == 6
    with storage.open(path) as f:
        assert f.read() == b"report"
    assert storage.url(path) == storage.url(name)
    assert storage.get_modified_time(path) == storage.get_created_time(path) == storage.get_accessed_time(path)
    assert storage.get_file_metadata(path).size == 6
    assert storage.listdir(Path("")) == (["docs"], [])  # type: ignore[arg-type]
    assert storage.listdir(Path("docs")) == ([], ["report.txt"])  # type: ignore[arg-type]
    storage.delete(path)
    assert not storage.exists(path)


def test_a_proxied_storage_builds_urls_from_pathlib_names() -> None:
    assert LoggedInStorage().url(Path("a b/c.pdf")) == "/b2l/a%20b/c.pdf"  # type: ignore[arg-type]


def test_a_delete_that_lost_a_race_to_another_delete_has_succeeded(b2: SimulatedB2, monkeypatch: Any) -> None:
    storage = BackblazeB2Storage(allow_file_overwrites=True)
    storage.save("raced.txt", ContentFile(b"one"))
    storage.save("raced.txt", ContentFile(b"two"))
    delete_on_b2 = b2.raw.delete_file_version

    def another_client_deletes_it_first(*args: Any, **kwargs: Any) -> Any:
        delete_on_b2(*args, **kwargs)  # the other delete lands a moment before ours ...
        return delete_on_b2(*args, **kwargs)  # ... which B2 then answers with "file not present"

    monkeypatch.setattr(b2.raw, "delete_file_version", another_client_deletes_it_first)
    storage.delete("raced.txt")
    assert not storage.exists("raced.txt")
    assert b2.file_versions("django", "raced.txt") == 0


def test_a_closed_file_opens_again(storage: BackblazeB2Storage) -> None:
    storage.save("again.txt", ContentFile(b"first"))
    f = storage.open("again.txt")
    assert f.read() == b"first"
    f.close()
    assert f.open() is f
    assert f.read() == b"first"
    f.close()

    writer = storage.open("again.txt", "wb")
    writer.write(b"second")
    writer.close()
    writer.open()
    writer.write(b"third")
    writer.close()
    assert read(storage, "again.txt") == b"third"


def test_an_open_file_opened_again_goes_back_to_the_start(storage: BackblazeB2Storage) -> None:
    storage.save("rewind.txt", ContentFile(b"abcdef"))
    with storage.open("rewind.txt") as f:
        assert f.read(3) == b"abc"
        f.open()
        assert f.read() == b"abcdef"


def test_overwriting_truncates_a_name_too_long_as_django_does() -> None:
    storage = BackblazeB2Storage(allow_file_overwrites=True)
    assert storage.save("test_long_file_name.txt", ContentFile(b"x"), max_length=10) == "test_l.txt"
    assert storage.save("test_long_file_name.txt", ContentFile(b"y"), max_length=10) == "test_l.txt"
    assert read(storage, "test_l.txt") == b"y"


class NameKeeping(BackblazeB2Storage):
    """The 7.0.0-era way to overwrite: a get_available_name() that keeps the name."""

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return name


def test_a_get_available_name_that_keeps_the_name_overwrites() -> None:
    storage = NameKeeping()
    assert storage.save("same.txt", ContentFile(b"one")) == "same.txt"
    assert storage.save("same.txt", ContentFile(b"two")) == "same.txt"
    assert read(storage, "same.txt") == b"two"
    assert storage.listdir("") == ([], ["same.txt"])


class UpperCase(ContentFile):  # type: ignore[type-arg]
    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        for chunk in super().chunks(chunk_size):
            yield chunk.upper()


class UpperCaseUpload(TemporaryUploadedFile):
    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        for chunk in super().chunks(chunk_size):
            yield chunk.upper()


def test_save_reads_a_file_through_its_own_chunks(storage: BackblazeB2Storage) -> None:
    assert read(storage, storage.save("upper.txt", UpperCase(b"shout"))) == b"SHOUT"
    with UpperCaseUpload("on-disk.txt", "text/plain", 5, None) as on_disk:
        on_disk.write(b"quiet")
        on_disk.seek(0)
        assert read(storage, storage.save("on-disk.txt", on_disk)) == b"QUIET"
    text = File(io.StringIO("text chunks"), name="text.txt")
    text.chunks = lambda chunk_size=None: iter(["text ", "chunks è"])  # type: ignore[method-assign]
    assert read(storage, storage.save("text.txt", text)) == "text chunks è".encode()


def test_an_error_from_the_files_own_chunks_reaches_the_caller(storage: BackblazeB2Storage) -> None:
    class Failing(ContentFile):  # type: ignore[type-arg]
        def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
            yield b"start"
            raise OSError("the disk went away")

    with pytest.raises(OSError, match="the disk went away"):
        storage.save("failing.txt", Failing(b"whatever"))
    assert not storage.exists("failing.txt")


def test_delete_without_a_name_says_what_django_says(storage: BackblazeB2Storage) -> None:
    for name in (None, ""):
        with pytest.raises(ValueError, match=r"^The name must be given to delete\(\)\.$"):
            storage.delete(name)  # type: ignore[arg-type]


# -- 7.0.0's public surface -------------------------------------------------------------------------


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter, with this project importable and the test settings."""
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "sample_app")]),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("statement", "set_up"),
    [
        ("from django_backblaze_b2 import urls", True),
        ("import django_backblaze_b2.urls as urls", True),
        ("from django_backblaze_b2 import *", True),
        ("from django_backblaze_b2 import *", False),  # before Django is set up, as 7.0.0 allowed
    ],
)
def test_importing_urls_in_a_fresh_process(statement: str, set_up: bool) -> None:
    done = run_python(
        f"""
        import django
        if {set_up}:
            django.setup()
        {statement}
        print([pattern.name for pattern in urls.urlpatterns])
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['b2-public', 'b2-logged-in', 'b2-staff']"


def test_the_7_0_0_module_b2_file_still_has_b2file(storage: BackblazeB2Storage) -> None:
    from django_backblaze_b2 import files

    with pytest.warns(
        DeprecationWarning, match=r"django_backblaze_b2\.b2_file\.B2File is deprecated.*django_backblaze_b2\.files"
    ):
        from django_backblaze_b2.b2_file import B2File
    assert B2File is files.B2File
    storage.save("kept.txt", ContentFile(b"kept"))
    assert isinstance(storage.open("kept.txt"), B2File)


def test_the_7_0_0_exception_is_still_importable() -> None:
    with pytest.warns(DeprecationWarning, match="catch FileNotFoundError"):
        from django_backblaze_b2.storage import B2FileInformationNotAvailableException
    assert issubclass(B2FileInformationNotAvailableException, Exception)
    with pytest.raises(ImportError):
        from django_backblaze_b2.storage import NoSuchName  # noqa: F401


def test_the_7_0_0_b2_api_property_still_gives_b2sdks_api(storage: BackblazeB2Storage) -> None:
    with pytest.warns(DeprecationWarning, match=r"storage\.bucket\.api"):
        api = storage.b2_api
    assert isinstance(api, B2Api)
    assert "django" in [bucket.name for bucket in api.list_buckets()]


LOGGING_PROBE = """
    import logging, sys
    from django.conf import settings
    settings.configure(
        BACKBLAZE_CONFIG={"simulator": True, "application_key_id": "id", "application_key": "key"},
        CACHES={"django-backblaze-b2": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        INSTALLED_APPS=[*%(apps)r, "django_backblaze_b2.testing"],  # the simulated B2
        LOGGING={
            "version": 1,
            "disable_existing_loggers": False,
            "handlers": {
                "entry": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"},
                "root": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr"},
            },
            "loggers": {%(logger)r: {"handlers": ["entry"], "level": "DEBUG", "propagate": %(propagate)r}},
            "root": {"handlers": ["root"], "level": "DEBUG"},
        },
    )
    import django
    django.setup()
    from django.core.files.base import ContentFile
    import django_backblaze_b2.testing  # the simulated B2 (a project would list it in INSTALLED_APPS)
    from django_backblaze_b2.storage import BackblazeB2Storage
    BackblazeB2Storage().save("a.txt", ContentFile(b"a"))
"""


@pytest.mark.parametrize(
    ("logger", "apps"),
    [
        ("django-backblaze-b2", ["django_backblaze_b2"]),
        ("django-backblaze-b2", []),  # 7.0.0 did not need the app in INSTALLED_APPS
        ("django_backblaze_b2", ["django_backblaze_b2"]),
    ],
)
def test_logging_entries_for_either_logger_name_receive_the_records(logger: str, apps: list[str]) -> None:
    done = run_python(LOGGING_PROBE % {"apps": apps, "logger": logger, "propagate": True})
    assert done.returncode == 0, done.stderr
    authorizing = "django-backblaze-b2: authorizing with B2"
    assert done.stdout.count(authorizing) == 1, done.stdout
    assert done.stderr.count(authorizing) == 1, done.stderr  # the root logger gets it once, not twice


def test_a_legacy_logging_entry_that_does_not_propagate_keeps_records_from_root() -> None:
    done = run_python(
        LOGGING_PROBE % {"apps": ["django_backblaze_b2"], "logger": "django-backblaze-b2", "propagate": False}
    )
    assert done.returncode == 0, done.stderr
    assert "authorizing with B2" in done.stdout
    assert "authorizing with B2" not in done.stderr


def test_proxied_storages_take_specific_bucket_names_as_7_0_0_did(b2: SimulatedB2) -> None:
    storage = PublicStorage(specific_bucket_names={"public": "elsewhere"})
    assert storage.options.bucket == "elsewhere"  # 7.0.0: that instance's bucket
    storage.save("here.txt", ContentFile(b"here"))
    assert b2.file_names("elsewhere") == ["here.txt"]
    # Another route's entry leaves this one's bucket as the settings say.
    assert LoggedInStorage(specific_bucket_names={"public": "elsewhere"}).options.bucket == "django-members"
    assert StaffStorage(opts={"specific_bucket_names": {"staff": "staff-2"}}).options.bucket == "staff-2"
    with pytest.raises(ImproperlyConfigured, match="BACKBLAZE_CONFIG only"):
        StaffStorage(bucket="staff-2")  # as 7.0.0 refused it


def test_text_modes_read_and_write_str_and_say_how_to_use_bytes(storage: BackblazeB2Storage) -> None:
    with storage.open("text.txt", "w") as f, pytest.raises(TypeError, match="open it in 'wb'"):
        f.write(b"bytes, as 7.0.0 took them")
    with storage.open("text.txt", "w") as f:
        f.write("è text")
    with storage.open("text.txt", "r") as f:
        assert f.read() == "è text"
    with storage.open("text.txt", "wb") as f, pytest.raises(TypeError, match="open it in 'w'"):
        f.write("str")
    storage.save("binary.bin", ContentFile(b"\xff\xfe\x00binary"))
    with storage.open("binary.bin", "r") as f, pytest.raises(UnicodeDecodeError, match="open it in 'rb'"):
        f.read()
    assert read(storage, "binary.bin") == b"\xff\xfe\x00binary"


@pytest.mark.parametrize("mode", ["a", "ab", "r+", "rb+", "w+b"])
def test_modes_b2_cannot_honour_are_refused_with_the_reason(storage: BackblazeB2Storage, mode: str) -> None:
    storage.save("fixed.txt", ContentFile(b"fixed"))
    with pytest.raises(ValueError, match="cannot append to or modify a file in place"):
        storage.open("fixed.txt", mode)
    assert read(storage, "fixed.txt") == b"fixed"


def test_what_7_0_0_returned_for_a_missing_file_is_now_an_error(storage: BackblazeB2Storage) -> None:
    with pytest.raises(FileNotFoundError):
        storage.size("missing.txt")  # 7.0.0: 0
    with pytest.raises(FileNotFoundError):
        storage.open("missing.txt")  # 7.0.0: b2sdk's FileNotPresent on the first read
    with pytest.raises(NotImplementedError):
        storage.path("missing.txt")  # 7.0.0: the name itself


# -- django-storages users ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "equivalent"),
    [
        ("bucket_name", "'bucket'"),
        ("file_overwrite", "'allow_file_overwrites'"),
        ("querystring_auth", "'url_expiry'"),
        ("querystring_expire", "'url_expiry'"),
        ("custom_domain", "'cdn_config'"),
        ("object_parameters", "'default_upload_headers'"),
        ("default_acl", "the bucket's type"),
    ],
)
def test_a_django_storages_option_name_gets_this_librarys_equivalent(
    option: str, equivalent: str, settings: Any
) -> None:
    with pytest.raises(ImproperlyConfigured, match=f"'{option}' is django-storages' name: use {equivalent}"):
        untyped: Any = BackblazeB2Storage  # the option is unknown to the type checker too
        untyped(**{option: "x"})
    settings.BACKBLAZE_CONFIG = {**settings.BACKBLAZE_CONFIG, option: "x"}
    storage = BackblazeB2Storage()  # a settings mistake must not stop models.py from importing (E010 says it)
    with pytest.raises(ImproperlyConfigured, match=f"in BACKBLAZE_CONFIG: '{option}'.*use {equivalent}"):
        storage.exists("a.txt")


def test_url_takes_a_timedelta_for_expire(storage: BackblazeB2Storage) -> None:
    storage.save("expiring.txt", ContentFile(b"x"))
    by_timedelta = storage.url("expiring.txt", expire=timedelta(minutes=10))
    assert "?Authorization=" in by_timedelta
    assert by_timedelta == storage.url("expiring.txt", expire=600)


def test_url_refuses_django_storages_s3_arguments_clearly(storage: BackblazeB2Storage) -> None:
    with pytest.raises(ValueError, match=r"parameters=.*django-storages.*default_upload_headers"):
        storage.url("a.txt", parameters={"ResponseContentDisposition": "attachment"})
    with pytest.raises(ValueError, match=r"parameters=.*django-storages"):
        storage.url("a.txt", {"ResponseContentDisposition": "attachment"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"http_method='PUT'.*GET"):
        storage.url("a.txt", http_method="PUT")
    assert storage.url("a.txt", http_method="GET") == storage.url("a.txt", http_method="head") == storage.url("a.txt")
