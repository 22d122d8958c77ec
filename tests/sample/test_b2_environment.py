"""Which B2 the sample app uses, from its environment variables."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from django_backblaze_b2.options import resolve
from sample_project.b2_environment import from_environment


def test_without_variables_the_sample_runs_on_the_simulated_b2_with_a_bucket_per_storage() -> None:
    env = from_environment({})
    assert env.simulated
    assert env.backblaze_config["bucket"] == "sample-private"
    assert env.backblaze_config["specific_bucket_names"] == {
        "public": "sample-public",
        "logged_in": "sample-logged-in",
        "staff": "sample-staff",
    }
    assert env.exports_bucket == "sample-exports"


def test_keys_choose_backblaze_b2_with_the_buckets_named_after_the_prefix() -> None:
    env = from_environment({"B2_APPLICATION_KEY_ID": "kid", "B2_APPLICATION_KEY": "k", "B2_BUCKET_PREFIX": "acme-demo"})
    assert not env.simulated
    config = env.backblaze_config
    assert (config["realm"], config["application_key_id"], config["application_key"]) == ("production", "kid", "k")
    assert config["bucket"] == "acme-demo-private"
    assert env.exports_bucket == "acme-demo-exports"


def test_the_configuration_is_one_the_library_accepts(settings: object) -> None:
    for environ in ({}, {"B2_REALM": "http://127.0.0.1:8765"}):
        options = resolve(from_environment(environ).backblaze_config)
        assert options.specific_bucket_names["staff"] == "sample-staff"


def test_a_realm_alone_is_the_local_b2_server_which_takes_any_key() -> None:
    env = from_environment({"B2_REALM": "http://127.0.0.1:8765"})
    assert not env.simulated
    assert env.backblaze_config["realm"] == "http://127.0.0.1:8765"
    assert env.backblaze_config["application_key_id"]
    assert env.backblaze_config["bucket"] == "sample-private"


@pytest.mark.parametrize("present", ["B2_APPLICATION_KEY_ID", "B2_APPLICATION_KEY"])
def test_half_a_key_is_refused_without_showing_it(present: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="found only one of") as raised:
        from_environment({present: "s3cr3t-value"})
    assert "s3cr3t-value" not in str(raised.value)


def test_backblaze_b2_needs_a_bucket_prefix_of_ones_own() -> None:
    with pytest.raises(ImproperlyConfigured, match="B2_BUCKET_PREFIX"):
        from_environment({"B2_APPLICATION_KEY_ID": "kid", "B2_APPLICATION_KEY": "k"})


def test_the_debug_error_page_never_shows_the_application_key() -> None:
    """``curl -H 'Host: evil.example' http://127.0.0.1:8000/`` with DEBUG on: Django's 400 page lists
    the settings; the sample keeps its key only where Django masks it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    key = "K005-sample-application-key-kept-secret"
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "response = Client(HTTP_HOST='evil.example').get('/')\n"
        "print(response.status_code)\n"
        "print(response.content.decode())\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sample_project.settings",
        "DJANGO_DEBUG": "1",
        "B2_APPLICATION_KEY_ID": "005-sample-key-id",
        "B2_APPLICATION_KEY": key,
        "B2_REALM": "http://127.0.0.1:9",  # never reached: the page is about the Host header
    }
    sample_app = Path(__file__).resolve().parents[2] / "sample_app"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=sample_app, env=env, capture_output=True, text=True, timeout=120
    )
    status, _, page = done.stdout.partition("\n")
    assert status == "400", done.stderr
    assert "DisallowedHost" in page and "BACKBLAZE_CONFIG" in page  # the settings are on the page
    assert key not in page
