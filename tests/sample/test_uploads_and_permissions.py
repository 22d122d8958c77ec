"""Uploads land in B2, and each route gives each kind of user what the pages say it does."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from django_backblaze_b2.testing import SimulatedB2
from showcase.models import PrivateDocument
from showcase.shelves import ASKED_TO_LOG_IN, SHELVES, THE_FILE, Shelf

from .conftest import client_for

pytestmark = [pytest.mark.urls("sample_project.urls"), pytest.mark.django_db]


def upload(client: Client, shelf: Shelf, name: str, content: bytes) -> str:
    response = client.post(f"/storages/{shelf.slug}/", {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302, response.content.decode()
    return str(shelf.files().latest("pk").file.name)


def bucket_of(shelf: Shelf) -> str:
    return str(shelf.storage.options.bucket)


def stored_content(b2: SimulatedB2, shelf: Shelf, name: str) -> bytes:
    bucket = b2.api().get_bucket_by_name(bucket_of(shelf))
    received = io.BytesIO()
    bucket.download_file_by_name(name).save(received)
    return received.getvalue()


@pytest.mark.parametrize("shelf", SHELVES, ids=lambda s: s.slug)
def test_an_upload_lands_in_b2_under_the_storages_folder(alice: Client, b2: SimulatedB2, shelf: Shelf) -> None:
    name = upload(alice, shelf, "report.txt", b"quarterly numbers")
    assert name in b2.file_names(bucket_of(shelf))
    assert stored_content(b2, shelf, name) == b"quarterly numbers"


def test_anonymous_uploads_are_sent_to_log_in_and_store_nothing(client: Client, b2: SimulatedB2) -> None:
    response = client.post("/storages/public/", {"file": SimpleUploadedFile("a.txt", b"a")})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert b2.file_names(bucket_of(SHELVES[1])) == []


def test_an_upload_without_a_file_explains_and_stores_nothing(alice: Client, b2: SimulatedB2) -> None:
    response = alice.post("/storages/public/", {})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert b2.file_names(bucket_of(SHELVES[1])) == []


def test_private_documents_go_to_the_owners_folder(alice: Client, b2: SimulatedB2, demo_users: dict[str, User]) -> None:
    name = upload(alice, SHELVES[0], "passport.pdf", b"%PDF")
    assert name == f"documents/{demo_users['alice'].pk}/passport.pdf"


def test_a_private_document_is_downloaded_by_its_owner_only(
    alice: Client, bob: Client, staff: Client, client: Client, b2: SimulatedB2
) -> None:
    upload(alice, SHELVES[0], "diary.txt", b"dear diary")
    url = f"/documents/{PrivateDocument.objects.get().pk}/download/"

    response = alice.get(url)
    assert response.status_code == 200
    assert response.getvalue() == b"dear diary"
    assert response["Content-Disposition"] == 'attachment; filename="diary.txt"'
    # Others are not even told it exists; staff are no exception.
    assert bob.get(url).status_code == 404
    assert staff.get(url).status_code == 404
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


def expected_status(outcome: str) -> int:
    return {THE_FILE: 200, ASKED_TO_LOG_IN: 302, "403 Forbidden": 403}[outcome]


@pytest.mark.parametrize("shelf", [s for s in SHELVES if not s.owner_only], ids=lambda s: s.slug)
def test_each_route_gives_each_kind_of_user_what_the_page_says(
    alice: Client, staff: Client, b2: SimulatedB2, demo_users: dict[str, User], shelf: Shelf
) -> None:
    name = upload(staff, shelf, "plan.txt", b"the plan")
    url = shelf.files().get().file.url
    for who, outcome in ((None, shelf.anonymous), ("alice", shelf.user), ("staff", shelf.staff)):
        response = client_for(demo_users[who] if who else None).get(url)
        assert response.status_code == expected_status(outcome), (who, name)
        if outcome == THE_FILE:
            assert response.getvalue() == b"the plan"
        if outcome == ASKED_TO_LOG_IN:
            assert response["Location"].startswith("/accounts/login/")


def test_a_route_refuses_names_that_climb_out_of_the_storage(alice: Client, b2: SimulatedB2) -> None:
    assert alice.get("/b2l/../settings.py").status_code in (400, 404)
