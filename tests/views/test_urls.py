"""URLs of the route storages: reversed routes, direct or CDN URLs on public buckets, no B2 calls."""

from __future__ import annotations

from typing import Any

import pytest

from django_backblaze_b2.storages import LoggedInStorage, PublicStorage, StaffStorage
from django_backblaze_b2.testing import SimulatedB2

CDN = {"base_url": "https://cdn.example.com/", "include_bucket_url_segments": False}


def test_private_routes_make_no_calls(b2: SimulatedB2) -> None:
    assert LoggedInStorage().url("a/b c.txt") == "/b2l/a/b%20c.txt"
    assert StaffStorage().url("ä?#.txt") == "/b2s/%C3%A4%3F%23.txt"
    assert PublicStorage().url("x.txt") == "/b2/x.txt"  # the test bucket is private
    b2.calls.clear()
    for _ in range(3):
        PublicStorage().url("x.txt")
        LoggedInStorage().url("x.txt")
    assert b2.calls.total == 0


@pytest.fixture
def public_bucket(b2: SimulatedB2, settings: Any) -> None:
    b2.create_bucket("public-media", "allPublic")
    settings.BACKBLAZE_CONFIG = {**settings.BACKBLAZE_CONFIG, "specific_bucket_names": {"public": "public-media"}}


def test_public_bucket_gives_direct_url_learning_its_type_once(b2: SimulatedB2, public_bucket: None) -> None:
    url = PublicStorage().url("img/a b.png")
    assert url.endswith("/file/public-media/img/a%20b.png")
    assert url.startswith("http")
    b2.calls.clear()
    for _ in range(5):
        assert PublicStorage().url("img/a b.png") == url
    assert b2.calls.total == 0


@pytest.mark.parametrize("where", ["settings", "kwargs", "opts"])
def test_cdn_config_from_anywhere(public_bucket: None, settings: Any, where: str) -> None:
    if where == "settings":
        settings.BACKBLAZE_CONFIG = {**settings.BACKBLAZE_CONFIG, "cdn_config": CDN}
        storage = PublicStorage()
    elif where == "kwargs":
        storage = PublicStorage(cdn_config=CDN)  # type: ignore[arg-type]
    else:
        storage = PublicStorage(opts={"cdn_config": CDN})  # type: ignore[typeddict-item]
    assert storage.url("img/ü.png") == "https://cdn.example.com/img/%C3%BC.png"
