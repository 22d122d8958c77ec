"""The bucket settings direct uploads need (system checks), and cleaning up abandoned uploads."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from django_backblaze_b2.direct_uploads import cors_rule, lifecycle_rule
from django_backblaze_b2.direct_uploads.checks import check_direct_upload_buckets, check_direct_upload_fields
from django_backblaze_b2.storage import BackblazeB2Storage
from django_backblaze_b2.testing import SimulatedB2
from showcase.models import LargeUpload

from .conftest import Browser, data_of

ORIGIN = "https://www.example.com"


def ids(messages: list[Any]) -> list[str]:
    return sorted(message.id for message in messages)


@pytest.fixture
def config(settings: Any) -> Any:
    settings.CSRF_TRUSTED_ORIGINS = [ORIGIN]
    return settings


@pytest.fixture
def with_details(config: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Settings with these bucket details, and the model field's storage built from them (a field's
    storage is built once, when the model is imported)."""

    def configure(**details: Any) -> None:
        config.BACKBLAZE_CONFIG = {**config.BACKBLAZE_CONFIG, "non_existent_bucket_details": details}
        monkeypatch.setattr(LargeUpload._meta.get_field("file"), "storage", BackblazeB2Storage())

    return configure


def test_bucket_details_without_a_cors_rule_are_reported_offline(with_details: Any) -> None:
    with_details(bucket_type="allPrivate")
    assert ids(check_direct_upload_fields()) == ["django_backblaze_b2.W081"]
    with_details(bucket_type="allPrivate", cors_rules=[cors_rule([ORIGIN])])
    assert check_direct_upload_fields() == []
    with_details(bucket_type="allPrivate", cors_rules=[cors_rule(["https://other.example"])])
    assert ids(check_direct_upload_fields()) == ["django_backblaze_b2.W081"]


def test_the_deploy_check_reads_the_buckets_rules(config: Any, b2: SimulatedB2) -> None:
    b2.create_bucket("django")
    assert ids(check_direct_upload_buckets()) == ["django_backblaze_b2.E082", "django_backblaze_b2.W083"]
    b2.api().get_bucket_by_name("django").update(
        cors_rules=[cors_rule(["https://*.example.com"])], lifecycle_rules=[lifecycle_rule()]
    )
    assert check_direct_upload_buckets() == []
    assert b2.calls["b2_upload_file"] == b2.calls["b2_start_large_file"] == 0  # a check never changes B2


def test_the_checks_say_nothing_without_the_views(config: Any, with_details: Any) -> None:
    config.ROOT_URLCONF = "tests.urls"
    with_details(bucket_type="allPrivate")
    assert check_direct_upload_fields() == [] and check_direct_upload_buckets() == []


def test_a_bucket_created_from_the_details_gets_the_rules(with_details: Any, b2: SimulatedB2) -> None:
    with_details(bucket_type="allPrivate", cors_rules=[cors_rule([ORIGIN])], lifecycle_rules=[lifecycle_rule()])
    storage = LargeUpload().file.storage
    assert isinstance(storage, BackblazeB2Storage)
    storage.bucket  # noqa: B018 - creates it
    assert check_direct_upload_buckets() == []


@pytest.mark.django_db
def test_abandoned_uploads_are_cancelled_and_leftovers_deleted(browser: Browser, b2: SimulatedB2) -> None:
    unfinished = browser.begin(data_of(12_000_000)).json()
    browser.upload(data_of(12_000_000, seed=3))  # finished, never saved
    assert len(b2.file_names("django")) == 1

    out = StringIO()
    call_command("b2_cancel_direct_uploads", "--older-than", "0", "--dry-run", stdout=out)
    assert "2 abandoned direct upload(s) found" in out.getvalue()
    assert browser.post("parts", upload=unfinished["upload"]).status_code == 200  # dry run: still open

    call_command("b2_cancel_direct_uploads", "--older-than", "0", stdout=StringIO())
    assert browser.post("parts", upload=unfinished["upload"]).status_code == 409
    assert b2.file_names("django") == []


@pytest.mark.django_db
def test_recent_uploads_are_left_alone(browser: Browser) -> None:
    grant = browser.begin(data_of(12_000_000)).json()
    out = StringIO()
    call_command("b2_cancel_direct_uploads", stdout=out)
    assert "0 abandoned" in out.getvalue()
    assert browser.post("parts", upload=grant["upload"]).status_code == 200


def test_a_development_server_can_serve_its_simulated_b2(monkeypatch: pytest.MonkeyPatch) -> None:
    from django_backblaze_b2 import testing

    monkeypatch.setattr(testing, "_current", None)
    monkeypatch.setenv(testing.SERVED_ENVIRONMENT_VARIABLE, "1")
    simulated = testing.current_simulator()
    try:
        assert not simulated.in_process
        assert simulated.realm.startswith("http://127.0.0.1:")
    finally:
        simulated.close()
