"""Secrets stay in process memory: the application key and SSE-C keys never show up in logs (everything
at DEBUG, b2sdk and urllib3 included), exception messages and tracebacks, cache contents, migrations,
URLs, or the ``repr``/``str`` of any object that holds them.

One storage lifecycle (authorize, save small and large, read, list, copy, links, delete), every error path
we can trigger, then one grep of everything collected for every form of every secret.
"""

from __future__ import annotations

import base64
import logging
import os
import pickle
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.db.migrations.writer import MigrationWriter

from django_backblaze_b2 import BackblazeB2Storage, LoggedInStorage
from django_backblaze_b2.connection import forget_connections
from django_backblaze_b2.testing.server import LocalB2Server

from .conftest import PART, Tally

APPLICATION_KEY = "K005-application-key-that-must-stay-secret"
WRONG_KEY = "K005-a-wrong-key-that-is-secret-as-well"
SSE_C_KEY = b"sse-c-key-that-must-stay-secret!"  # 32 bytes, printable so that any rendering shows it
OTHER_SSE_C_KEY = b"another-sse-c-key-kept-secret-00"
KEY_ID = "005-secret-test-key-id"


def forms(secret: str | bytes) -> list[str]:
    """Every way a secret could be written out: as is, repr, base64 (B2's SSE-C header), hex."""
    raw = secret.encode() if isinstance(secret, str) else secret
    return [raw.decode("latin-1"), repr(secret), base64.b64encode(raw).decode(), raw.hex()]


SECRETS = {
    "application key": forms(APPLICATION_KEY),
    "wrong application key": forms(WRONG_KEY),
    "SSE-C key": forms(SSE_C_KEY),
    "other SSE-C key": forms(OTHER_SSE_C_KEY),
}


def leaks(text: str) -> list[str]:
    return [f"{label} ({form[:12]}...)" for label, found in SECRETS.items() for form in found if form in text]


@pytest.fixture
def server() -> Iterator[LocalB2Server]:
    with LocalB2Server(key_id=KEY_ID, key=APPLICATION_KEY, recommended_part_size=PART) as running:
        forget_connections()
        yield running
        forget_connections()


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Everything every logger says, at DEBUG: this library's, b2sdk's (which traces calls with their
    arguments), urllib3's (which logs request lines)."""
    loggers = [logging.getLogger(name) for name in ("", "django_backblaze_b2", "b2sdk", "urllib3")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    yield caplog
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


def config(server: LocalB2Server, **options: Any) -> dict[str, Any]:
    return {
        "simulator": False,
        "realm": server.realm,
        "application_key_id": KEY_ID,
        "application_key": APPLICATION_KEY,
        "bucket": "secrets-bucket",
        "non_existent_bucket_details": {"bucket_type": "allPrivate"},
        **options,
    }


def test_no_secret_reaches_logs_errors_caches_migrations_urls_or_reprs(
    server: LocalB2Server, settings: Any, debug_logs: pytest.LogCaptureFixture, tally: Tally
) -> None:
    settings.BACKBLAZE_CONFIG = config(server)
    sse_c = {"mode": "SSE-C", "key_id": "customer-key-1", "key": SSE_C_KEY}
    written: list[str] = []  # everything that could end up in front of someone

    plain = BackblazeB2Storage()
    encrypted = BackblazeB2Storage(server_side_encryption=sse_c)
    proxied = LoggedInStorage()

    # -- a whole lifecycle ---------------------------------------------------------------------------
    plain.save("docs/a.txt", ContentFile(b"plain"))
    encrypted.save("secret/small.txt", ContentFile(b"encrypted"))
    encrypted.save("secret/large.bin", ContentFile(os.urandom(2 * PART + 1)))
    with encrypted.open("secret/large.bin") as file:
        file.seek(PART)
        file.read(1000)
    encrypted.copy("secret/small.txt", "secret/copy.txt")
    encrypted.listdir("secret")
    encrypted.exists("secret/small.txt")
    link = plain.url("docs/a.txt", expire=60)
    assert requests.get(link, timeout=10).content == b"plain"
    written += [link, plain.url("docs/a.txt"), proxied.url("docs/a.txt"), plain.b2_url("docs/a.txt")]
    server.faults.expire_tokens()  # re-authorization is logged too
    plain.size("docs/a.txt")
    encrypted.delete("secret/copy.txt")
    tally.succeeded += 12

    # -- every error path we can reach -----------------------------------------------------------------
    errors: list[BaseException] = []

    def expect_error(action: Callable[[], object]) -> None:
        with pytest.raises(Exception) as raised:
            action()
        errors.append(raised.value)

    wrong_key = BackblazeB2Storage(server_side_encryption={**sse_c, "key": OTHER_SSE_C_KEY})
    expect_error(lambda: wrong_key.open("secret/small.txt").read())  # B2 refuses the other key
    no_key = BackblazeB2Storage()
    expect_error(lambda: no_key.open("secret/small.txt").read())  # SSE-C file read without a key
    expect_error(lambda: encrypted.url("secret/small.txt", expire=60))  # a link cannot carry the key
    expect_error(lambda: BackblazeB2Storage(server_side_encryption={**sse_c, "key": SSE_C_KEY[:31]}))
    expect_error(lambda: BackblazeB2Storage(server_side_encryption={**sse_c, "mode": "SSE-X"}))
    expect_error(lambda: BackblazeB2Storage(server_side_encryption={"mode": "SSE-B2", "key": SSE_C_KEY}))
    expect_error(lambda: BackblazeB2Storage(server_side_encryption={**sse_c, "extra": SSE_C_KEY}))
    expect_error(lambda: BackblazeB2Storage(application_key=APPLICATION_KEY, bogus_option=WRONG_KEY))  # type: ignore[call-arg]
    expect_error(lambda: BackblazeB2Storage(opts={"application_key": APPLICATION_KEY}, bucket="x"))
    expect_error(lambda: LoggedInStorage(application_key=APPLICATION_KEY))
    expect_error(lambda: plain.open("missing.txt"))
    forget_connections()
    bad_credentials = BackblazeB2Storage(application_key=WRONG_KEY, account_info={"type": "memory"})
    expect_error(lambda: bad_credentials.exists("docs/a.txt"))  # B2 refuses the key
    server.faults.fail("b2_upload_file", times=None, status=503, retry_after=0)
    expect_error(lambda: BackblazeB2Storage(server_side_encryption=sse_c).save("x.txt", ContentFile(b"x")))
    server.faults.clear()
    for error in errors:
        written += [str(error), repr(error), "".join(traceback.format_exception(error))]
    assert isinstance(errors[3], ImproperlyConfigured)
    tally.extra["error paths"] = str(len(errors))

    # -- caches, migrations, reprs ---------------------------------------------------------------------
    assert getattr(caches["django-backblaze-b2"], "_cache", {})  # the shared authorization is in there
    for alias in settings.CACHES:
        store = getattr(caches[alias], "_cache", {})
        written += [pickle.loads(value).__repr__() for value in store.values()]
        written += [value.decode("latin-1") for value in store.values()]
    storages = [plain, encrypted, proxied, wrong_key, BackblazeB2Storage(**config(server)), LoggedInStorage()]
    for storage in storages:
        written.append(MigrationWriter.serialize(storage)[0])
        written += [repr(storage), str(storage), repr(storage.options), str(storage.options)]
        connection = storage._connection
        written += [repr(connection), repr(connection.account_info), str(connection.account_info)]
    sse = encrypted.options.server_side_encryption
    assert sse is not None
    written += [repr(sse), str(sse), repr(sse.for_write()), str(sse.for_read())]
    with encrypted.open("secret/small.txt") as file:
        written += [repr(file), str(file)]

    # -- and nothing of it shows a secret --------------------------------------------------------------
    written.append(debug_logs.text)
    assert "authorize_account" in debug_logs.text  # b2sdk's DEBUG tracing was on
    found = sorted({leak for text in written for leak in leaks(text)})
    assert found == []
    tally.calls += server.calls.total
    tally.extra["texts grepped"] = str(len(written))
    tally.extra["log lines"] = str(len(debug_logs.records))


def test_the_grep_finds_a_secret_when_there_is_one() -> None:
    """The test above would pass on an empty haystack: make sure the needle is found when present."""
    assert leaks(f"Authorization: {base64.b64encode(SSE_C_KEY).decode()}") == ["SSE-C key (c3NlLWMta2V5...)"]
    assert leaks(repr({"application_key": APPLICATION_KEY})) != []
