"""Fixtures for the proxy views: a fresh simulated B2, per-process caches reset, files and users."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from django_backblaze_b2.proxy import routes, views
from django_backblaze_b2.storage import BackblazeB2Storage
from django_backblaze_b2.storages import LoggedInStorage, PublicStorage, StaffStorage
from django_backblaze_b2.testing import SimulatedB2, simulated_b2

Put = Callable[..., str]


@pytest.fixture(autouse=True)
def b2(request: pytest.FixtureRequest) -> Iterator[SimulatedB2]:
    """A fresh simulated B2 (served over HTTP under ``pytest --b2-server``) and fresh route caches."""
    views.reset_storages()
    routes.shared_places.reset()
    with simulated_b2(served=bool(request.config.getoption("--b2-server"))) as simulated:
        yield simulated
    views.reset_storages()
    routes.shared_places.reset()


def body(response: Any) -> bytes:
    """The whole body of a test-client response (streamed or not); closes it."""
    content: bytes = b"".join(response.streaming_content) if response.streaming else response.content
    response.close()
    return content


def data_of(size: int, seed: int = 0) -> bytes:
    return bytes((i * 7 + seed) % 251 for i in range(size))


@pytest.fixture
def put(b2: SimulatedB2) -> Put:
    """Save bytes through a route's storage class; the calls it takes are not counted."""

    def put(
        name: str,
        data: bytes,
        storage_class: type[BackblazeB2Storage] = PublicStorage,
        content_type: str | None = None,
        **upload: Any,
    ) -> str:
        before = dict(b2.calls.counts)
        storage = storage_class()
        content = ContentFile(data, name=name)
        if content_type is not None:
            content.content_type = content_type  # type: ignore[attr-defined]
        if upload:
            original = storage.get_upload_options

            def with_extra(name: str, content: Any) -> dict[str, Any]:
                return {**original(name, content), **upload}

            storage.get_upload_options = with_extra  # type: ignore[method-assign]
        saved = storage.save(name, content)
        b2.calls.counts.clear()
        b2.calls.counts.update(before)
        return saved

    return put


@pytest.fixture
def admin_client(django_user_model: Any) -> Client:
    """A client of its own, logged in as a superuser (no password: hashing one costs most of a second)."""
    admin = django_user_model.objects.create_user("admin", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    return client


__all__ = ["LoggedInStorage", "PublicStorage", "Put", "StaffStorage", "body", "data_of"]
