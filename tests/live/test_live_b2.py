"""The storage against real Backblaze B2, when credentials are in the environment.

Set B2_TEST_APPLICATION_KEY_ID, B2_TEST_APPLICATION_KEY and B2_TEST_BUCKET (a bucket the key may write
to; everything happens under a random prefix that is removed afterwards). Without them these tests are
skipped, and the skip reason says so in the summary.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import requests
from django.core.files.base import ContentFile
from django.test import override_settings

from django_backblaze_b2 import BackblazeB2Storage
from django_backblaze_b2.connection import forget_connections

ENV = ("B2_TEST_APPLICATION_KEY_ID", "B2_TEST_APPLICATION_KEY", "B2_TEST_BUCKET")
MISSING = [name for name in ENV if not os.environ.get(name)]

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        bool(MISSING),
        reason=f"live B2 tests skipped: set {', '.join(ENV)} to run them against real Backblaze B2",
    ),
]


@pytest.fixture
def live_storage() -> Iterator[BackblazeB2Storage]:
    config = {
        "application_key_id": os.environ.get("B2_TEST_APPLICATION_KEY_ID", ""),
        "application_key": os.environ.get("B2_TEST_APPLICATION_KEY", ""),
        "bucket": os.environ.get("B2_TEST_BUCKET", ""),
        "realm": os.environ.get("B2_TEST_REALM", "production"),
        "account_info": {"type": "memory"},
    }
    with override_settings(BACKBLAZE_CONFIG=config):
        forget_connections()
        storage = BackblazeB2Storage(location=f"django-backblaze-b2-tests/{uuid.uuid4().hex}")
        yield storage
        for name in storage.listdir("")[1]:
            storage.delete(name)
        forget_connections()


def test_round_trip_range_and_delete(live_storage: BackblazeB2Storage) -> None:
    data = os.urandom(200_000)
    name = live_storage.save("ünïcode name #1.bin", ContentFile(data))
    assert live_storage.exists(name)
    assert live_storage.size(name) == len(data)
    with live_storage.open(name) as f:
        f.seek(100_000)
        assert f.read(10) == data[100_000:100_010]
    assert live_storage.listdir("") == ([], [name])
    live_storage.delete(name)
    assert not live_storage.exists(name)


def test_hidden_and_missing_files_are_missing(live_storage: BackblazeB2Storage) -> None:
    with pytest.raises(FileNotFoundError):
        live_storage.size("missing.txt")
    live_storage.save("hidden.txt", ContentFile(b"x"))
    live_storage.bucket.hide_file(live_storage.b2_file_name("hidden.txt"))
    assert not live_storage.exists("hidden.txt")  # B2 answers HEAD of a hidden file with 404
    assert not live_storage.exists("missing.txt")


def test_private_url_needs_authorization(live_storage: BackblazeB2Storage) -> None:
    name = live_storage.save("private.txt", ContentFile(b"secret"))
    if live_storage._connection.bucket_type(live_storage.options.bucket) != "allPrivate":
        pytest.skip("B2_TEST_BUCKET is public")
    assert requests.get(live_storage.url(name), timeout=30).status_code == 401
