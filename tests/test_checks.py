"""Offline system checks of the settings: E010 (invalid BACKBLAZE_CONFIG) and E011 (no credentials)."""

from __future__ import annotations

from django.core.checks import run_checks
from django.test import override_settings

SECRET = "K005-never-printed"


def ids(**config: object) -> set[str]:
    with override_settings(BACKBLAZE_CONFIG=config):
        return {
            message.id or "" for message in run_checks() if (message.id or "").startswith("django_backblaze_b2.E01")
        }


def test_valid_settings_pass() -> None:
    assert ids(simulator=True) == set()
    assert ids(application_key_id="id", application_key=SECRET, bucket="media") == set()


def test_an_invalid_option_is_e010_naming_it() -> None:
    with override_settings(BACKBLAZE_CONFIG={"simulator": True, "bukket": "x"}):
        messages = [m for m in run_checks() if m.id == "django_backblaze_b2.E010"]
    assert len(messages) == 1
    assert "'bukket'" in messages[0].msg


def test_missing_credentials_are_e011() -> None:
    assert ids(bucket="media") == {"django_backblaze_b2.E011"}


def test_messages_never_show_the_key() -> None:
    with override_settings(BACKBLAZE_CONFIG={"application_key": SECRET, "application_key_id": 5}):
        messages = run_checks()
    assert any(m.id == "django_backblaze_b2.E010" for m in messages)
    assert all(SECRET not in str(m) for m in messages)
