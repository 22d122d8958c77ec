"""Fixtures: a local B2 server in a thread, and b2sdk clients authorized against it over HTTP."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from b2sdk.v2 import AuthInfoCache, B2Api, Bucket, InMemoryAccountInfo

from django_backblaze_b2.testing.server import LocalB2Server
from django_backblaze_b2.testing.simulator import MB

PART = 5 * MB  # recommended part size of the test servers: an 11 MB file goes multi-part


def make_api(realm: str, key_id: str, key: str) -> B2Api:
    info = InMemoryAccountInfo()
    api = B2Api(info, cache=AuthInfoCache(info))
    api.authorize_account(realm, key_id, key)
    return api


@pytest.fixture
def server() -> Iterator[LocalB2Server]:
    with LocalB2Server(recommended_part_size=PART) as running:
        yield running


@pytest.fixture
def api(server: LocalB2Server) -> B2Api:
    return make_api(server.realm, server.key_id, server.key)


@pytest.fixture
def bucket(api: B2Api) -> Bucket:
    return api.create_bucket("private-media", "allPrivate")


@pytest.fixture
def download(api: B2Api) -> Callable[..., bytes]:
    """The bytes of a download through b2sdk (by name, or by id with ``file_id=``)."""

    def read(bucket: Bucket, name: str | None = None, *, file_id: str | None = None, **kwargs: Any) -> bytes:

        downloaded = (
            bucket.download_file_by_id(file_id, **kwargs) if file_id else bucket.download_file_by_name(name, **kwargs)
        )
        out = io.BytesIO()
        downloaded.save(out)
        return out.getvalue()

    return read
