from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.test import Client

from django_backblaze_b2.testing import SimulatedB2
from showcase.demo import DEMO_USERS
from showcase.models import LoggedInFile, PrivateDocument, PublicFile
from showcase.shelves import SHELVES

pytestmark = [pytest.mark.urls("sample_project.urls"), pytest.mark.django_db]


def test_home_shows_the_demo_users_with_their_passwords_and_every_storage(client: Client, b2: SimulatedB2) -> None:
    page = client.get("/").content.decode()
    for demo in DEMO_USERS:
        assert demo.username in page
        assert demo.password in page
    for shelf in SHELVES:
        assert shelf.storage_class in page
    assert "simulated B2" in page


@pytest.mark.parametrize("slug", [shelf.slug for shelf in SHELVES])
def test_each_storage_page_renders_for_anyone(client: Client, b2: SimulatedB2, slug: str) -> None:
    response = client.get(f"/storages/{slug}/")
    assert response.status_code == 200
    assert "Log in" in response.content.decode()


def test_a_storage_that_does_not_exist_is_404(client: Client, b2: SimulatedB2) -> None:
    assert client.get("/storages/nowhere/").status_code == 404


def test_the_storage_page_lists_each_file_with_the_url_its_storage_gives(
    alice: Client, b2: SimulatedB2, demo_users: dict[str, object]
) -> None:
    stored = PublicFile.objects.create(uploaded_by=demo_users["alice"], file=ContentFile(b"x", name="notes.txt"))
    page = alice.get("/storages/public/").content.decode()
    assert stored.file.name == "public/notes.txt"
    assert '<code class="url">/b2/public/notes.txt</code>' in page


def test_the_login_page_offers_the_demo_users(client: Client, db: None) -> None:
    page = client.get("/accounts/login/").content.decode()
    assert all(demo.password in page for demo in DEMO_USERS)


def test_a_video_gets_a_player_fed_by_its_url_and_other_files_do_not(
    alice: Client, b2: SimulatedB2, demo_users: dict[str, User]
) -> None:
    for name in ("clip.webm", "notes.txt"):
        LoggedInFile.objects.create(uploaded_by=demo_users["alice"], file=ContentFile(b"x", name=name))
    page = alice.get("/storages/logged-in/").content.decode()
    assert '<video controls preload="metadata" src="/b2l/members/clip.webm"' in page
    assert page.count("<video") == 1


def test_a_private_video_gets_no_player_as_its_download_view_sends_an_attachment(
    alice: Client, b2: SimulatedB2, demo_users: dict[str, User]
) -> None:
    PrivateDocument.objects.create(uploaded_by=demo_users["alice"], file=ContentFile(b"x", name="clip.webm"))
    page = alice.get("/storages/private/").content.decode()
    assert "clip.webm" in page
    assert "<video" not in page


def test_the_staff_demo_user_can_manage_the_samples_models_in_the_admin(
    staff: Client, alice: Client, b2: SimulatedB2
) -> None:
    page = staff.get("/admin/").content.decode()
    for model in ("Private documents", "Public files", "Logged in files", "Staff files", "Data exports"):
        assert model in page
    assert staff.get("/admin/showcase/privatedocument/add/").status_code == 200
    assert alice.get("/admin/").status_code == 302  # not staff: asked to log in as staff


def test_the_private_page_never_shows_a_url_anyone_could_follow(
    alice: Client, b2: SimulatedB2, demo_users: dict[str, User]
) -> None:
    document = PrivateDocument.objects.create(
        uploaded_by=demo_users["alice"], file=ContentFile(b"x", name="secret.txt")
    )
    assert "Authorization=" in document.file.url  # url() of a private bucket is an expiring link...
    page = alice.get("/storages/private/").content.decode()
    assert "secret.txt" in page
    assert "Authorization=" not in page and "/file/" not in page  # ...which this page never shows
