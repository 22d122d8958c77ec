"""Django's error reports (the DEBUG technical 500 page, the HTML of AdminEmailHandler) show every
local variable of every frame. With ``B2ExceptionReporterFilter`` no B2 secret is among them: a B2
failure during authorization and during an SSE-C download, rendered as Django renders them."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import RequestFactory
from django.views.debug import ExceptionReporter, get_default_exception_reporter_filter

from django_backblaze_b2 import BackblazeB2Storage
from django_backblaze_b2.connection import forget_connections
from django_backblaze_b2.testing.server import LocalB2Server

from .test_secrets import APPLICATION_KEY, SSE_C_KEY, WRONG_KEY, forms

FILTER = "django_backblaze_b2.debug.B2ExceptionReporterFilter"


@pytest.fixture(autouse=True)
def fresh_filter() -> Iterator[None]:
    # Django builds the default filter once per process; these tests change which one it is.
    get_default_exception_reporter_filter.cache_clear()  # type: ignore[attr-defined]
    yield
    get_default_exception_reporter_filter.cache_clear()  # type: ignore[attr-defined]


@pytest.fixture
def server() -> Iterator[LocalB2Server]:
    with LocalB2Server(key_id="005-report-key-id", key=APPLICATION_KEY) as running:
        yield running
    forget_connections()


def storage_on(server: LocalB2Server, key: str, **options: Any) -> BackblazeB2Storage:
    return BackblazeB2Storage(
        realm=server.realm,
        application_key_id=server.key_id,
        application_key=key,
        simulator=False,
        account_info={"type": "memory"},
        bucket="reports",
        non_existent_bucket_details={"bucket_type": "allPrivate"},
        **options,
    )


def technical_500(settings: Any) -> str:
    """The DEBUG error page for the exception being handled, as Django renders it."""
    settings.DEBUG = True
    request = RequestFactory().get("/b2/a.bin")
    exc_type, exc_value, tb = sys.exc_info()
    return ExceptionReporter(request, exc_type, exc_value, tb, is_email=False).get_traceback_html()


def failed_authorization_page(server: LocalB2Server, settings: Any) -> str:
    try:
        storage_on(server, WRONG_KEY).exists("anything")
    except Exception:
        return technical_500(settings)
    finally:
        forget_connections()  # the next storage authorizes afresh, with its own key
    raise AssertionError("a wrong key authorized")


def failed_sse_c_download_page(server: LocalB2Server, settings: Any) -> str:
    """B2 fails a download that carries the SSE-C key in its headers."""
    sse = {"mode": "SSE-C", "key_id": "k1", "key": SSE_C_KEY}
    storage = storage_on(server, APPLICATION_KEY, server_side_encryption=sse)
    storage.save("vault/a.bin", ContentFile(b"secret data"))
    server.faults.fail("b2_download_file_by_name", times=None, status=400, code="bad_request")
    try:
        storage.open("vault/a.bin").read()
    except Exception:
        return technical_500(settings)
    finally:
        server.faults.clear()
    raise AssertionError("the download did not fail")


def leaked(page: str, *secrets: str | bytes) -> list[str]:
    return [form for secret in secrets for form in forms(secret) if form in page]


def test_a_failed_authorization_page_shows_no_key(server: LocalB2Server, settings: Any) -> None:
    settings.DEFAULT_EXCEPTION_REPORTER_FILTER = FILTER
    page = failed_authorization_page(server, settings)
    assert "InvalidAuthToken" in page and "application_key" in page  # the frames are there, hidden
    assert leaked(page, WRONG_KEY, APPLICATION_KEY) == []


def test_a_failed_sse_c_download_page_shows_no_key(server: LocalB2Server, settings: Any) -> None:
    settings.DEFAULT_EXCEPTION_REPORTER_FILTER = FILTER
    page = failed_sse_c_download_page(server, settings)
    assert "BadRequest" in page or "bad_request" in page
    assert leaked(page, SSE_C_KEY, APPLICATION_KEY) == []


def test_without_the_filter_django_shows_them(server: LocalB2Server, settings: Any) -> None:
    """Why the filter exists: Django's own filter leaves b2sdk's frame variables on the page."""
    assert leaked(failed_authorization_page(server, settings), WRONG_KEY) != []
    assert leaked(failed_sse_c_download_page(server, settings), SSE_C_KEY) != []


def test_the_email_report_shows_no_key_either(server: LocalB2Server, settings: Any) -> None:
    settings.DEFAULT_EXCEPTION_REPORTER_FILTER = FILTER
    try:
        storage_on(server, WRONG_KEY).exists("anything")
    except Exception:
        exc_type, exc_value, tb = sys.exc_info()
        reporter = ExceptionReporter(RequestFactory().get("/"), exc_type, exc_value, tb, is_email=True)
        html, text = reporter.get_traceback_html(), reporter.get_traceback_text()
    assert leaked(html, WRONG_KEY) == [] and leaked(text, WRONG_KEY) == []
