"""Where /b2/ serves unmarked files: only places no more privileged *route* shares. A private storage
that is not a route (the project's default BackblazeB2Storage, whose files are reached through
expiring links) is not counted."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client

from django_backblaze_b2 import BackblazeB2Storage
from django_backblaze_b2.proxy import routes, views
from django_backblaze_b2.storages import PublicStorage

from ..views.conftest import body

pytestmark = pytest.mark.django_db


def test_private_default_storage_files_are_not_served_to_anyone(settings: Any, client: Client) -> None:
    """A common layout: the default storage is a BackblazeB2Storage on the bucket of BACKBLAZE_CONFIG
    with expiring links (private files), and PublicStorage (no specific bucket) for avatars. /b2/
    then streams every private file to anyone who guesses a name, and `check` says nothing."""
    settings.BACKBLAZE_CONFIG = {
        **settings.BACKBLAZE_CONFIG,
        "specific_bucket_names": {"public": None, "logged_in": "django-members", "staff": "django-staff"},
        "url_expiry": 300,
    }
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django_backblaze_b2.BackblazeB2Storage"}}
    views.reset_storages()
    routes.shared_places.reset()
    private = BackblazeB2Storage()
    private.save("contracts/acme.pdf", ContentFile(b"%PDF private contract"))
    assert "Authorization=" in private.url("contracts/acme.pdf")  # the project treats it as private
    PublicStorage().save("avatars/me.png", ContentFile(b"png"))

    checks_fail = False
    try:
        call_command("check")
    except SystemCheckError:
        checks_fail = True
    response = client.get("/b2/contracts/acme.pdf")
    assert checks_fail or (response.status_code == 404 and b"private" not in body(response))


def unmarked(bucket: str, key: str, data: bytes) -> None:
    BackblazeB2Storage(bucket=bucket).bucket.upload_bytes(data, key, content_type="text/plain")


@pytest.mark.parametrize(
    ("locations", "key", "served"),
    [
        ({"public": "members2", "logged_in": "members", "staff": "staff"}, "members2/a.txt", True),
        ({"public": "members", "logged_in": "members2", "staff": "staff"}, "members/a.txt", True),
        ({"public": "media", "logged_in": "media/members", "staff": "media/staff"}, "media/staff/a.txt", False),
        ({"public": "media", "logged_in": "media/members", "staff": "media/staff"}, "media/members/a.txt", False),
        ({"public": "media", "logged_in": "media/members", "staff": "media/staff"}, "media/staff2/a.txt", True),
        ({"public": None, "logged_in": "members", "staff": "staff"}, "staff/a.txt", False),
        ({"public": None, "logged_in": "members", "staff": "staff"}, "staff", False),
        ({"public": "public", "logged_in": None, "staff": "staff"}, "public/a.txt", False),
        ({"public": "a/b", "logged_in": "a", "staff": "c"}, "a/b/x.txt", False),
    ],
)
def test_unmarked_files_in_nested_locations(
    settings: Any, client: Client, locations: dict[str, str | None], key: str, served: bool
) -> None:
    settings.BACKBLAZE_CONFIG = {
        **settings.BACKBLAZE_CONFIG,
        # A bucket of the routes' own: the test project's plain storages use "django", which counts as private.
        "bucket": "routes-only",
        "specific_bucket_names": {"public": None, "logged_in": None, "staff": None},
        "specific_locations": locations,
    }
    views.reset_storages()
    routes.shared_places.reset()
    unmarked("routes-only", key, b"unmarked data")
    public_location = locations["public"]
    name = key[len(public_location) + 1 :] if public_location else key
    response = client.get(f"/b2/{name}")
    assert (b"unmarked data" in body(response)) is served, response.status_code
