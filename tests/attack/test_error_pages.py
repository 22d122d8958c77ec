"""B2ExceptionReporterFilter against failures that happen inside requests/urllib3, whose frames hold
the request headers in objects that are not dicts (``requests.structures.CaseInsensitiveDict``), and
secrets in forms the filter does not remember (the Basic authorization of ``b2_authorize_account``)."""

from __future__ import annotations

import base64
import socket
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import RequestFactory
from django.views.debug import ExceptionReporter, get_default_exception_reporter_filter

from django_backblaze_b2 import BackblazeB2Storage
from django_backblaze_b2.connection import forget_connections

FILTER = "django_backblaze_b2.debug.B2ExceptionReporterFilter"
KEY_ID = "005-attack-key-id"
APPLICATION_KEY = "K005-attack-application-key-must-stay-secret"
TENANTS = 100


@pytest.fixture(autouse=True)
def fresh_filter() -> Iterator[None]:
    get_default_exception_reporter_filter.cache_clear()  # type: ignore[attr-defined]
    forget_connections()
    yield
    get_default_exception_reporter_filter.cache_clear()  # type: ignore[attr-defined]
    forget_connections()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def technical_500(settings: Any) -> str:
    settings.DEBUG = True
    exc_type, exc_value, tb = sys.exc_info()
    request = RequestFactory().get("/b2/a.bin")
    return ExceptionReporter(request, exc_type, exc_value, tb, is_email=False).get_traceback_html()


def test_unreachable_realm_page_shows_the_basic_authorization(settings: Any) -> None:
    """B2 unreachable while authorizing (a deploy with a wrong realm, a network outage): urllib3's
    frames hold ``headers`` (a CaseInsensitiveDict) whose Authorization is base64("id:key")."""
    settings.DEFAULT_EXCEPTION_REPORTER_FILTER = FILTER
    storage = BackblazeB2Storage(
        realm=f"http://127.0.0.1:{closed_port()}",
        application_key_id=KEY_ID,
        application_key=APPLICATION_KEY,
        simulator=False,
        account_info={"type": "memory"},
        bucket="reports",
    )
    try:
        storage.exists("anything")
    except Exception:
        page = technical_500(settings)
    else:
        raise AssertionError("an unreachable realm authorized")
    basic = base64.b64encode(f"{KEY_ID}:{APPLICATION_KEY}".encode()).decode()
    assert "CaseInsensitiveDict" in page or "Authorization" in page  # the frames are on the page
    assert basic not in page, "the application key, base64-encoded with its id, is on the error page"


def failing_with(**local_values: Any) -> None:
    locals().update(local_values)  # the frame's locals, as Django's report lists them
    raise RuntimeError("boom")


class Unprintable:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


def page_for(settings: Any, **local_values: Any) -> str:
    settings.DEFAULT_EXCEPTION_REPORTER_FILTER = FILTER
    try:
        failing_with(**local_values)
    except RuntimeError:
        return technical_500(settings)
    raise AssertionError("unreachable")


def test_a_self_referencing_list_in_a_frame_does_not_crash_the_report(settings: Any) -> None:
    """Django renders a self-referencing list as ``[[...]]``; the filter's recursive cleansing must
    not turn the error page into a RecursionError."""
    looped: list[Any] = []
    looped.append(looped)
    page = page_for(settings, looped=looped)
    assert "boom" in page


def test_a_deeply_nested_value_in_a_frame_does_not_crash_the_report(settings: Any) -> None:
    nested: Any = "leaf"
    for _ in range(5000):
        nested = [nested]
    page = page_for(settings, nested=nested)
    assert "boom" in page


def test_an_unprintable_value_does_not_crash_the_report(settings: Any) -> None:
    page = page_for(settings, odd=Unprintable(), odd_in_dict={"x": Unprintable()})
    assert "boom" in page


def test_b2_going_away_puts_the_account_token_on_the_page(settings: Any) -> None:
    """Any B2 call that fails at the connection level after authorizing (B2 unreachable for a
    moment) shows urllib3's ``headers``: the account authorization token, a bearer credential with
    every capability of the key for up to 24 hours."""
    from django_backblaze_b2.testing.server import LocalB2Server

    settings.DEFAULT_EXCEPTION_REPORTER_FILTER = FILTER
    server = LocalB2Server(key_id=KEY_ID, key=APPLICATION_KEY).start()
    try:
        storage = BackblazeB2Storage(
            realm=server.realm,
            application_key_id=KEY_ID,
            application_key=APPLICATION_KEY,
            simulator=False,
            account_info={"type": "memory"},
            bucket="reports",
            non_existent_bucket_details={"bucket_type": "allPrivate"},
        )
        assert not storage.exists("anything")
        token = storage._connection.account_info.get_account_auth_token()
    finally:
        server.stop()
    try:
        storage.exists("anything")
    except Exception:
        page = technical_500(settings)
    else:
        raise AssertionError("B2 answered after it stopped")
    assert token not in page, "the account authorization token is on the error page"


def test_the_application_key_is_still_hidden_after_many_sse_c_keys(settings: Any) -> None:
    """The filter recognizes secrets by value from a bounded list (256 forms, the oldest forgotten
    first). A project with one SSE-C key per tenant validates enough keys to push the application
    key out: a frame value holding it is then shown."""
    BackblazeB2Storage(application_key_id=KEY_ID, application_key=APPLICATION_KEY, bucket="reports")
    for tenant in range(TENANTS):
        key = tenant.to_bytes(2, "big") * 16
        BackblazeB2Storage(
            bucket="reports", server_side_encryption={"mode": "SSE-C", "key_id": f"t{tenant}", "key": key}
        )
    page = page_for(settings, credential=APPLICATION_KEY)
    assert APPLICATION_KEY not in page


class Holder:
    def __init__(self, secret: Any) -> None:
        self.secret = secret

    def __repr__(self) -> str:
        return f"Holder({self.secret!r})"


def test_remembered_secrets_are_hidden_wherever_they_sit(settings: Any) -> None:
    """Held: values inside objects, nested dicts, tuples, bytes keys, bytearrays."""
    sse_key = bytes(range(65, 97))
    BackblazeB2Storage(application_key_id=KEY_ID, application_key=APPLICATION_KEY, bucket="reports")
    BackblazeB2Storage(bucket="reports", server_side_encryption={"mode": "SSE-C", "key_id": "k", "key": sse_key})
    page = page_for(
        settings,
        nested={"a": {"b": [("x", APPLICATION_KEY)]}},
        by_bytes={b"k": sse_key},
        as_tuple=(1, (2, base64.b64encode(sse_key).decode())),
        inside=Holder(APPLICATION_KEY),
        as_bytearray=bytearray(sse_key),
        as_hex=sse_key.hex(),
    )
    assert "boom" in page
    for form in (APPLICATION_KEY, base64.b64encode(sse_key).decode(), sse_key.hex(), sse_key.decode()):
        assert form not in page
