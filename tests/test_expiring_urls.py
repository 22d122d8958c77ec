"""Expiring links to private files: scope, lifetime, reuse (the call budget) and every refusal.

The in-process simulator does not enforce download authorizations, but it issues tokens that spell out
what they were asked for (``fake_download_auth_token_<bucket id>_<prefix>_<seconds>``), so scope and
lifetime are asserted on what each token was issued for (under ``--b2-server``, the server's record of
it). That the server refuses a token outside its scope or after expiry: test_links_on_local_server.py.
"""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from django_backblaze_b2 import BackblazeB2Storage, LoggedInStorage, PublicStorage, StaffStorage
from django_backblaze_b2.expiring_links import (
    MAX_SECONDS,
    DownloadAuthorizations,
    reuse_window,
    scope_prefix,
)
from django_backblaze_b2.testing import SimulatedB2, current_simulator

AUTHORIZE = "b2_get_download_authorization"


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["Authorization"][0]


def scope_of(storage: BackblazeB2Storage, url: str) -> tuple[str, int]:
    """(prefix, seconds) the link's token was issued for."""
    b2 = current_simulator()
    token = token_of(url)
    if not b2.in_process:  # the local B2 server keeps what it issued
        issued = b2.server.server.backend.tokens.downloads[token]
        return issued.prefix, round(issued.expires_at - time.time())
    marker = f"fake_download_auth_token_{storage.bucket.id_}_"
    assert token.startswith(marker), token
    prefix, _, seconds = token[len(marker) :].rpartition("_")
    return unquote(prefix), int(seconds)  # the simulator's token spells the prefix URL-encoded


def test_opted_out_url_is_the_plain_b2_url(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage(bucket="private-docs", expiring_private_urls=False)
    url = storage.url("report.pdf")
    assert url.endswith("/file/private-docs/report.pdf")
    assert "Authorization" not in url
    assert b2.calls[AUTHORIZE] == 0


def test_url_carries_a_token_for_the_one_file_and_the_configured_lifetime(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage(bucket="private-docs", url_expiry=3600)
    url = storage.url("invoices/2024/march.pdf")
    assert urlsplit(url).path.endswith("/file/private-docs/invoices/2024/march.pdf")
    assert scope_of(storage, url) == ("invoices/2024/march.pdf", 3600)


def test_per_call_expire_overrides_and_works_without_the_option(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage(bucket="private-docs")
    assert scope_of(storage, storage.url("a/b.txt", expire=60)) == ("a/b.txt", 60)
    configured = BackblazeB2Storage(bucket="private-docs", url_expiry=3600, url_expiry_scope="folder")
    assert scope_of(configured, configured.url("a/b.txt", expire=120)) == ("a/", 120)


def test_url_signs_without_asking_b2_whether_the_file_exists(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage(bucket="private-docs", url_expiry=3600)
    storage.bucket  # noqa: B018 - the bucket lookup is not part of the budget
    b2.calls.clear()
    storage.url("from/our/own/rows.pdf")
    assert b2.calls.billed == 1  # the authorization, and no HEAD


def test_the_token_is_percent_encoded_in_the_url(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage(bucket="private-docs", url_expiry=60, url_expiry_scope="file")
    url = storage.url("a b&c=d.txt")
    query = urlsplit(url).query
    assert "&c=" not in query and " " not in query
    assert scope_of(storage, url) == ("a b&c=d.txt", 60)


@pytest.mark.parametrize(
    ("location", "scope", "name", "prefix"),
    [
        ("", "folder", "exports/2024/a.csv", "exports/2024/"),
        ("", "folder", "a.csv", "a.csv"),  # the folder of a top-level file would be the whole bucket
        ("", "file", "exports/a.csv", "exports/a.csv"),
        ("media", "folder", "a.csv", "media/"),
        ("media", "folder", "x/y/a.csv", "media/x/y/"),
        ("media", "file", "x/a.csv", "media/x/a.csv"),
        ("media", "location", "x/y/a.csv", "media/"),
    ],
)
def test_token_scope(b2: SimulatedB2, location: str, scope: str, name: str, prefix: str) -> None:
    storage = BackblazeB2Storage(bucket="private-docs", location=location, url_expiry=600, url_expiry_scope=scope)  # type: ignore[arg-type]
    assert scope_of(storage, storage.url(name)) == (prefix, 600)


@given(
    location=st.sampled_from(["", "media", "media/private", "a"]),
    parts=st.lists(st.text(alphabet="ab-_./", min_size=1, max_size=4), min_size=1, max_size=4),
    scope=st.sampled_from(["file", "folder", "location"]),
)
def test_a_token_never_opens_files_outside_the_storage(location: str, parts: list[str], scope: str) -> None:
    key = "/".join(p.strip("/") or "x" for p in parts)
    if location:
        key = f"{location}/{key}"
    if scope == "location" and not location:
        scope = "folder"  # start-up refuses "location" without a location
    prefix = scope_prefix(key, location, scope)  # type: ignore[arg-type]
    assert key.startswith(prefix)
    if location:
        assert prefix.startswith(f"{location}/")
        assert prefix != location  # "media" would also open "media-private/..."
    assert prefix != ""


def test_100_links_to_100_files_cost_100_authorizations(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage(bucket="private-docs", url_expiry=3600)
    storage.bucket  # noqa: B018 - the bucket lookup is not part of the budget
    b2.calls.clear()
    urls = [storage.url(f"gallery/photo-{i}.jpg") for i in range(100)]
    assert b2.calls[AUTHORIZE] == 100
    assert len({token_of(url) for url in urls}) == 100
    assert b2.calls.billed == 100  # nothing else was called either


def test_100_links_to_one_file_cost_one_authorization(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage(bucket="private-docs", url_expiry=3600)
    storage.bucket  # noqa: B018
    b2.calls.clear()
    urls = [storage.url("gallery/photo.jpg") for _ in range(100)]
    assert b2.calls.billed == 1
    assert len(set(urls)) == 1


def test_a_page_of_100_links_costs_one_authorization_with_the_folder_scope(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage(bucket="private-docs", url_expiry=3600, url_expiry_scope="folder")
    storage.bucket  # noqa: B018 - the bucket lookup is not part of the budget
    b2.calls.clear()
    urls = [storage.url(f"gallery/photo-{i}.jpg") for i in range(100)]
    assert b2.calls[AUTHORIZE] == 1
    assert len({token_of(url) for url in urls}) == 1
    assert b2.calls.billed == 1  # nothing else was called either


def test_tokens_are_shared_by_every_storage_instance_of_the_process(b2: SimulatedB2) -> None:
    for _ in range(5):
        BackblazeB2Storage(bucket="private-docs", url_expiry=3600).url("gallery/a.jpg")
    assert b2.calls[AUTHORIZE] == 1


def test_one_token_per_folder_and_per_lifetime(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage(bucket="private-docs", url_expiry=3600, url_expiry_scope="folder")
    for folder in ("a", "b", "c"):
        for i in range(10):
            storage.url(f"{folder}/{i}.txt")
    assert b2.calls[AUTHORIZE] == 3
    storage.url("a/0.txt", expire=60)
    assert b2.calls[AUTHORIZE] == 4


def test_location_scope_covers_the_whole_storage_with_one_token(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage(
        bucket="private-docs", location="private", url_expiry=3600, url_expiry_scope="location"
    )
    for folder in ("a", "b", "c"):
        storage.url(f"{folder}/1.txt")
    assert b2.calls[AUTHORIZE] == 1


def test_concurrent_renders_make_one_call(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage(bucket="private-docs", url_expiry=3600, url_expiry_scope="folder")
    storage.bucket  # noqa: B018
    barrier = threading.Barrier(8)
    tokens: set[str] = set()

    def render() -> None:
        barrier.wait()
        for i in range(25):
            tokens.add(token_of(storage.url(f"page/{i}.png")))

    threads = [threading.Thread(target=render) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert b2.calls[AUTHORIZE] == 1
    assert len(tokens) == 1


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_token_is_reused_only_while_most_of_its_life_is_left(b2: SimulatedB2) -> None:
    bucket = b2.create_bucket("private-docs")
    clock = FakeClock()
    tokens = DownloadAuthorizations(clock=clock)
    assert reuse_window(3600) == 360
    tokens.token(bucket, "a/", 3600)
    clock.now += 359
    tokens.token(bucket, "a/", 3600)
    assert b2.calls[AUTHORIZE] == 1
    clock.now += 1  # a link handed out now would live less than 90% of what was asked
    tokens.token(bucket, "a/", 3600)
    assert b2.calls[AUTHORIZE] == 2


def test_reuse_is_capped_at_an_hour_and_short_links_are_never_stale(b2: SimulatedB2) -> None:
    assert reuse_window(MAX_SECONDS) == 3600
    assert reuse_window(5) == 0
    bucket = b2.create_bucket("private-docs")
    tokens = DownloadAuthorizations(clock=FakeClock())
    tokens.token(bucket, "a/", 5)
    tokens.token(bucket, "a/", 5)
    assert b2.calls[AUTHORIZE] == 2


def test_the_token_cache_is_bounded(b2: SimulatedB2) -> None:
    bucket = b2.create_bucket("private-docs")
    tokens = DownloadAuthorizations(max_entries=2, clock=FakeClock())
    for prefix in ("a/", "b/", "c/", "a/"):
        tokens.token(bucket, prefix, 600)
    assert b2.calls[AUTHORIZE] == 4  # "a/" was pushed out by "c/"


@pytest.mark.parametrize("expire", [0, -1, MAX_SECONDS + 1, "60", 1.5, True])
def test_a_bad_per_call_lifetime_is_refused_before_any_call(b2: SimulatedB2, expire: object) -> None:
    storage = BackblazeB2Storage(bucket="private-docs")
    with pytest.raises(ValueError, match="expire"):
        storage.url("a.txt", expire=expire)  # type: ignore[arg-type]
    assert b2.calls[AUTHORIZE] == 0


def test_lifetime_bounds_are_inclusive(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage(bucket="private-docs", url_expiry=1)
    assert scope_of(storage, storage.url("a/b"))[1] == 1
    assert scope_of(storage, storage.url("a/b", expire=MAX_SECONDS))[1] == MAX_SECONDS


@pytest.mark.parametrize("option", ["url_expiry", "proxy_redirect_expiry"])
@pytest.mark.parametrize("value", [0, MAX_SECONDS + 1, "3600", 60.0, False])
def test_bad_lifetimes_fail_at_start_up(option: str, value: object) -> None:
    with pytest.raises(ImproperlyConfigured, match=f"'{option}' must be"):
        BackblazeB2Storage(**{option: value})  # type: ignore[arg-type]


def test_unknown_scope_fails_at_start_up() -> None:
    with pytest.raises(ImproperlyConfigured, match="url_expiry_scope"):
        BackblazeB2Storage(url_expiry_scope="bucket")  # type: ignore[arg-type]


def test_location_scope_without_a_location_fails_at_start_up() -> None:
    with pytest.raises(ImproperlyConfigured, match="every file in the bucket"):
        BackblazeB2Storage(url_expiry=60, url_expiry_scope="location")


def test_names_are_checked_before_a_token_is_asked_for(b2: SimulatedB2) -> None:
    from django.core.exceptions import SuspiciousFileOperation

    storage = BackblazeB2Storage(bucket="private-docs", location="media", url_expiry=60)
    with pytest.raises(SuspiciousFileOperation):
        storage.url("../secrets/key.pem")
    assert b2.calls[AUTHORIZE] == 0


def test_a_link_points_at_the_stored_file(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage(bucket="private-docs", url_expiry=60)
    storage.save("a/hello.txt", ContentFile(b"hello"))
    url = storage.url("a/hello.txt")
    # The simulator cannot follow a query string, so check the path part names the stored file.
    path = unquote(urlsplit(url).path)
    assert path == "/file/private-docs/a/hello.txt"
    assert b2.file_names("private-docs") == ["a/hello.txt"]


# -- redirect mode for the proxy routes -----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("storage_class", "path"), [(LoggedInStorage, "/b2l/"), (StaffStorage, "/b2s/")])
def test_a_redirect_is_a_short_lived_uncacheable_302_for_the_exact_file(
    b2: SimulatedB2, settings: Any, admin_client: Client, storage_class: type[BackblazeB2Storage], path: str
) -> None:
    settings.BACKBLAZE_CONFIG = {**settings.BACKBLAZE_CONFIG, "proxy_redirect_expiry": 30, "url_expiry_scope": "folder"}
    storage = storage_class()
    storage.save("reports/q1.pdf", ContentFile(b"%PDF"))
    response = admin_client.get(f"{path}reports/q1.pdf")
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert urlsplit(response["Location"]).path.endswith("/reports/q1.pdf")
    # The file's own name, whatever url_expiry_scope says: a redirect grants what was checked.
    assert scope_of(storage, response["Location"]) == ("reports/q1.pdf", 30)


@pytest.mark.django_db
def test_no_redirect_when_streaming(b2: SimulatedB2, admin_client: Client) -> None:
    StaffStorage().save("reports/q1.pdf", ContentFile(b"%PDF"))
    response = admin_client.get("/b2s/reports/q1.pdf")
    assert response.status_code == 200
    response.close()
    assert b2.calls[AUTHORIZE] == 0


@pytest.mark.django_db
def test_redirects_to_one_file_reuse_its_token(b2: SimulatedB2, settings: Any, admin_client: Client) -> None:
    settings.BACKBLAZE_CONFIG = {**settings.BACKBLAZE_CONFIG, "proxy_redirect_expiry": 60}
    StaffStorage().save("reports/q1.pdf", ContentFile(b"%PDF"))
    for _ in range(20):
        assert admin_client.get("/b2s/reports/q1.pdf").status_code == 302
    assert b2.calls[AUTHORIZE] == 1


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["s", "secre", "staff/s", "reports/", "reports/q", "nothing.pdf"])
def test_no_redirect_and_no_token_for_a_name_that_is_not_a_file(
    b2: SimulatedB2, settings: Any, client: Client, name: str
) -> None:
    """A redirect's token covers a name prefix: a request for a prefix of other files' names must
    not be signed (it would open ``staff/secret.txt``, ``reports/q1.pdf``...)."""
    settings.BACKBLAZE_CONFIG = {
        **settings.BACKBLAZE_CONFIG,
        "proxy_redirect_expiry": 60,
        "specific_bucket_names": {"public": None, "logged_in": None, "staff": None},
        "specific_locations": {"staff": "staff"},
    }
    StaffStorage().save("secret.txt", ContentFile(b"staff only"))
    PublicStorage().save("secret.txt", ContentFile(b"public"))
    PublicStorage().save("reports/q1.pdf", ContentFile(b"%PDF"))
    assert client.get(f"/b2/{name}").status_code == 404
    assert b2.calls[AUTHORIZE] == 0


@pytest.mark.django_db
def test_a_redirect_never_signs_a_file_the_route_refuses(b2: SimulatedB2, settings: Any, client: Client) -> None:
    settings.BACKBLAZE_CONFIG = {
        **settings.BACKBLAZE_CONFIG,
        "proxy_redirect_expiry": 60,
        "specific_bucket_names": {"public": None, "logged_in": None, "staff": None},
    }
    StaffStorage().save("payroll.pdf", ContentFile(b"secret"))
    assert client.get("/b2/payroll.pdf").status_code == 404
    assert b2.calls[AUTHORIZE] == 0


def only_reports(request: Any, storage: Any, name: str) -> bool:
    return not name.startswith("secret/")


@pytest.mark.django_db
def test_a_permission_hook_cannot_be_bypassed_by_a_shorter_name(b2: SimulatedB2, settings: Any, client: Client) -> None:
    settings.BACKBLAZE_CONFIG = {
        **settings.BACKBLAZE_CONFIG,
        "proxy_redirect_expiry": 60,
        "download_permission": f"{__name__}.only_reports",
    }
    PublicStorage().save("secret/plans.txt", ContentFile(b"plans"))
    assert client.get("/b2/secret/plans.txt").status_code == 302  # anonymous and refused: to the login page
    assert client.get("/b2/secre").status_code == 404  # allowed by the hook, but no such file: nothing signed
    assert b2.calls[AUTHORIZE] == 0


def test_proxied_storages_keep_their_route_urls(b2: SimulatedB2, settings: object) -> None:
    settings.BACKBLAZE_CONFIG = {**settings.BACKBLAZE_CONFIG, "url_expiry": 60}  # type: ignore[attr-defined]
    assert LoggedInStorage().url("a.txt") == "/b2l/a.txt"
    assert b2.calls[AUTHORIZE] == 0


def anyone(request: Any, storage: Any, name: str) -> bool:
    return True


@pytest.mark.django_db
@pytest.mark.parametrize("hook", [None, f"{__name__}.anyone"])
def test_with_a_permission_hook_a_name_others_extend_is_streamed(
    b2: SimulatedB2, settings: Any, admin_client: Client, hook: str | None
) -> None:
    """A token for ``r/data.csv`` would open ``r/data.csv.gz`` too: where a hook tells files apart,
    that file is streamed (one listing to find out); without a hook every file of the route is the
    same user's to read, and both redirect."""
    settings.BACKBLAZE_CONFIG = {**settings.BACKBLAZE_CONFIG, "proxy_redirect_expiry": 60, "download_permission": hook}
    LoggedInStorage().save("r/data.csv", ContentFile(b"csv"))
    LoggedInStorage().save("r/data.csv.gz", ContentFile(b"gz"))
    b2.calls.clear()
    extended = admin_client.get("/b2l/r/data.csv")
    assert admin_client.get("/b2l/r/data.csv.gz").status_code == 302
    if hook is None:
        assert extended.status_code == 302
        assert b2.calls["b2_list_file_names"] == 0
    else:
        assert extended.status_code == 200 and extended.content == b"csv"  # small: sent whole
        assert b2.calls["b2_list_file_names"] == 2  # one per redirect asked
