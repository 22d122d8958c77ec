"""Redirect mode hands out B2 download authorizations: B2 tokens are *name prefixes*, so a token
for a checked file also opens every file whose name extends it, whatever route those belong to.

Run on the local B2 server (``simulated_b2(served=True)``), which enforces token prefixes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from django.core.files.base import ContentFile
from django.test import Client

from django_backblaze_b2.proxy import routes, views
from django_backblaze_b2.storages import LoggedInStorage, PublicStorage, StaffStorage
from django_backblaze_b2.testing import SimulatedB2, simulated_b2

pytestmark = pytest.mark.django_db


def body(response: Any) -> bytes:
    content: bytes = b"".join(response.streaming_content) if response.streaming else response.content
    response.close()
    return content


SHARED_BUCKET = {"public": None, "logged_in": None, "staff": None}


@pytest.fixture(autouse=True)
def b2() -> Iterator[SimulatedB2]:
    """Served over HTTP by the local B2 server: it refuses a token outside its prefix."""
    views.reset_storages()
    routes.shared_places.reset()
    with simulated_b2(served=True) as simulated:
        yield simulated
    views.reset_storages()
    routes.shared_places.reset()


def with_token_of(location: str, url: str) -> str:
    return f"{url}?{location.partition('?')[2]}"


@pytest.mark.parametrize(
    ("public_name", "staff_name"),
    [
        ("data.csv", "data.csv.gz"),  # an export next to its compressed twin
        ("i", "invoices/2024.pdf"),  # a name an anonymous uploader picked, as a prefix of a staff folder
    ],
)
def test_anonymous_redirect_token_opens_a_staff_file(
    settings: Any, client: Client, public_name: str, staff_name: str
) -> None:
    """7.0.0's layout (one bucket, no locations) with redirect mode: the token /b2/ hands an anonymous
    user for a public file opens StaffStorage's files whose names extend the public name."""
    settings.BACKBLAZE_CONFIG = {
        **settings.BACKBLAZE_CONFIG,
        "proxy_redirect_expiry": 60,
        "specific_bucket_names": SHARED_BUCKET,
    }
    StaffStorage().save(staff_name, ContentFile(b"staff only"))
    PublicStorage().save(public_name, ContentFile(b"public"))
    assert client.get(f"/b2/{staff_name}").status_code == 404  # the route itself refuses it

    response = client.get(f"/b2/{public_name}")
    if response.status_code == 200:  # streamed, not redirected: no token left the server
        assert body(response) == b"public"
        return
    assert response.status_code == 302
    link = with_token_of(response["Location"], StaffStorage().b2_url(staff_name))
    leaked = requests.get(link, timeout=10)
    assert leaked.content != b"staff only", f"anonymous token for {public_name!r} opened staff {staff_name!r}"


def test_logged_in_redirect_token_opens_a_staff_file(settings: Any, client: Client, django_user_model: Any) -> None:
    settings.BACKBLAZE_CONFIG = {
        **settings.BACKBLAZE_CONFIG,
        "proxy_redirect_expiry": 60,
        "specific_bucket_names": SHARED_BUCKET,
    }
    StaffStorage().save("minutes.txt.v2", ContentFile(b"staff only"))
    LoggedInStorage().save("minutes.txt", ContentFile(b"members"))
    client.force_login(django_user_model.objects.create_user("member"))
    response = client.get("/b2l/minutes.txt")
    if response.status_code == 200:  # streamed, not redirected: no token left the server
        assert body(response) == b"members"
        return
    assert response.status_code == 302
    leaked = requests.get(with_token_of(response["Location"], StaffStorage().b2_url("minutes.txt.v2")), timeout=10)
    assert leaked.content != b"staff only"


def test_a_redirect_token_opens_the_staff_version_that_replaced_the_checked_file(settings: Any, client: Client) -> None:
    """The redirect checks version 1 (public) but signs the *name*: a staff save over that name during
    the token's life (allow_file_overwrites) is what the link then opens."""
    settings.BACKBLAZE_CONFIG = {
        **settings.BACKBLAZE_CONFIG,
        "proxy_redirect_expiry": 60,
        "specific_bucket_names": SHARED_BUCKET,
    }
    PublicStorage().save("notice.txt", ContentFile(b"public notice"))
    response = client.get("/b2/notice.txt")
    if response.status_code == 200:  # streamed, not redirected: no token left the server
        assert body(response) == b"public notice"
        return
    assert response.status_code == 302
    StaffStorage(allow_file_overwrites=True).save("notice.txt", ContentFile(b"staff only"))
    assert client.get("/b2/notice.txt").status_code == 404  # the route now refuses the name
    assert requests.get(response["Location"], timeout=10).content != b"staff only"


OWNERS: dict[str, str] = {}


def own_files_only(request: Any, storage: Any, name: str) -> bool:
    return bool(OWNERS.get(name) == request.user.username)


def test_a_token_for_a_name_without_extension_opens_djangos_alternative_names(
    settings: Any, client: Client, django_user_model: Any
) -> None:
    """SECURITY.md: "Django's alternative names (q1_AbCdEf1.pdf) are not opened". For a name without
    an extension Django appends the suffix (passport -> passport_AbCdEf1), so it is: with a
    per-owner permission hook, Alice's redirect token opens Bob's upload of the same name."""
    settings.BACKBLAZE_CONFIG = {
        **settings.BACKBLAZE_CONFIG,
        "proxy_redirect_expiry": 60,
        "download_permission": f"{__name__}.own_files_only",
    }
    alice_name = LoggedInStorage().save("ids/passport", ContentFile(b"alice"))
    bob_name = LoggedInStorage().save("ids/passport", ContentFile(b"bob's passport"))
    assert bob_name != alice_name  # the second save got an alternative name (it no longer extends the first)
    OWNERS.update({alice_name: "alice", bob_name: "bob"})
    client.force_login(django_user_model.objects.create_user("alice"))
    assert client.get(f"/b2l/{bob_name}").status_code == 403  # the hook refuses Bob's file
    response = client.get(f"/b2l/{alice_name}")
    if response.status_code == 200:  # streamed, not redirected: no token left the server
        assert body(response) == b"alice"
        return
    assert response.status_code == 302
    leaked = requests.get(with_token_of(response["Location"], LoggedInStorage().b2_url(bob_name)), timeout=10)
    assert leaked.content != b"bob's passport"


def test_a_file_scoped_link_without_extension_opens_the_alternative_names() -> None:
    """The same with ``url()`` of a private BackblazeB2Storage (url_expiry, default 'file' scope)."""
    from django_backblaze_b2 import BackblazeB2Storage

    storage = BackblazeB2Storage(bucket="private-docs", url_expiry=60)
    first = storage.save("scans/contract", ContentFile(b"first"))
    second = storage.save("scans/contract", ContentFile(b"second customer's contract"))
    link = storage.url(first)
    leaked = requests.get(with_token_of(link, storage.b2_url(second)), timeout=10)
    assert leaked.content != b"second customer's contract"
