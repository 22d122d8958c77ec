"""Expiring links and SSE-C against the local B2 server, which enforces what the in-process simulator
cannot: a download authorization opens only its prefix, and only until it expires."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from django.core.files.base import ContentFile

from django_backblaze_b2 import BackblazeB2Storage
from django_backblaze_b2.encryption import EncryptionKeyError
from django_backblaze_b2.testing.server import LocalB2Server
from django_backblaze_b2.testing.simulator import MB

KEY = bytes(range(32))


@pytest.fixture
def server() -> Iterator[LocalB2Server]:
    with LocalB2Server(recommended_part_size=5 * MB) as running:
        yield running


def on_server(server: LocalB2Server, **options: Any) -> BackblazeB2Storage:
    return BackblazeB2Storage(
        realm=server.realm,
        application_key_id=server.key_id,
        application_key=server.key,
        simulator=False,
        account_info={"type": "memory"},
        bucket="private-docs",
        non_existent_bucket_details={"bucket_type": "allPrivate"},
        **options,
    )


def get(url: str) -> requests.Response:
    return requests.get(url, timeout=10)


def test_a_link_opens_its_file_and_nothing_outside_its_folder(server: LocalB2Server) -> None:
    storage = on_server(server, url_expiry=3600)
    storage.save("invoices/2024/march.pdf", ContentFile(b"%PDF march"))
    storage.save("invoices/2024-old/feb.pdf", ContentFile(b"%PDF feb"))
    storage.save("payroll/salaries.csv", ContentFile(b"secret"))
    assert get(storage.b2_url("invoices/2024/march.pdf")).status_code == 401  # private: no token, no file

    link = storage.url("invoices/2024/march.pdf")
    response = get(link)
    assert response.status_code == 200
    assert response.content == b"%PDF march"

    token = link.partition("?")[2]
    for elsewhere in ("payroll/salaries.csv", "invoices/2024-old/feb.pdf"):  # a sibling that shares the prefix text
        refused = get(f"{storage.b2_url(elsewhere)}?{token}")
        assert refused.status_code == 401
        assert refused.json()["code"] == "unauthorized"


def test_a_link_never_opens_files_outside_the_storage_location(server: LocalB2Server) -> None:
    media = on_server(server, location="media", url_expiry=600, url_expiry_scope="location")
    media.save("a.txt", ContentFile(b"mine"))
    other = on_server(server, location="media-private")
    other.save("b.txt", ContentFile(b"not mine"))
    link = media.url("a.txt")
    assert get(link).content == b"mine"
    token = link.partition("?")[2]
    assert get(f"{other.b2_url('b.txt')}?{token}").status_code == 401


def test_an_expired_link_is_refused(server: LocalB2Server) -> None:
    storage = on_server(server)
    storage.save("exports/report.csv", ContentFile(b"a,b"))
    link = storage.url("exports/report.csv", expire=60)
    assert get(link).status_code == 200
    server.faults.expire_tokens()
    expired = get(link)
    assert expired.status_code == 401
    assert expired.json()["code"] == "expired_auth_token"


def test_a_link_opens_its_one_file_by_default(server: LocalB2Server) -> None:
    storage = on_server(server)
    storage.save("reports/q1.pdf", ContentFile(b"%PDF q1"))
    storage.save("reports/q2.pdf", ContentFile(b"%PDF q2"))
    link = storage.url("reports/q1.pdf", expire=30)
    followed = get(link)
    assert followed.status_code == 200 and followed.content == b"%PDF q1"
    token = link.partition("?")[2]
    assert get(f"{storage.b2_url('reports/q2.pdf')}?{token}").status_code == 401  # the same folder: refused


def test_one_authorization_for_a_page_of_links(server: LocalB2Server) -> None:
    storage = on_server(server, url_expiry=3600, url_expiry_scope="folder")
    storage.bucket  # noqa: B018
    links = [storage.url(f"gallery/{i}.jpg") for i in range(100)]
    assert server.calls["b2_get_download_authorization"] == 1
    assert len(set(links)) == 100


def test_sse_c_over_http(server: LocalB2Server) -> None:
    sse = {"mode": "SSE-C", "key_id": "k1", "key": KEY}
    storage = on_server(server, server_side_encryption=sse)
    storage.save("vault/a.bin", ContentFile(b"0123456789"))
    with storage.open("vault/a.bin") as file:
        assert file.read() == b"0123456789"
        file.seek(4)
        assert file.read(3) == b"456"
    storage.copy("vault/a.bin", "vault/b.bin")
    assert storage.open("vault/b.bin").read() == b"0123456789"
    assert storage.size("vault/b.bin") == 10
    wrong = on_server(server, server_side_encryption={**sse, "key": bytes(32)})
    with pytest.raises(EncryptionKeyError, match="'k1'"):
        wrong.open("vault/a.bin").read()
    with pytest.raises(EncryptionKeyError):
        on_server(server).open("vault/a.bin").read()
