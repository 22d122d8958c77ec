"""What each operation costs on a warm storage, in B2 calls (class B and C are billed)."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from django_backblaze_b2 import BackblazeB2Storage
from django_backblaze_b2.testing import SimulatedB2


@pytest.fixture
def warm(b2: SimulatedB2) -> BackblazeB2Storage:
    storage = BackblazeB2Storage()
    storage.save("existing.txt", ContentFile(b"hello"))
    b2.calls.clear()
    return storage


def test_save_of_a_new_file(warm: BackblazeB2Storage, b2: SimulatedB2) -> None:
    warm.save("new.txt", ContentFile(b"x"))
    # One HEAD (class B) to check the name is free, the upload (class A) on a pooled upload URL, and one
    # listing of the name's versions (class C) so that a concurrent save of the same name cannot
    # silently replace this one (B2 has no create-if-absent).
    assert b2.calls.as_dict() == {"b2_get_file_info_by_name": 1, "b2_upload_file": 1, "b2_list_file_versions": 1}
    assert b2.calls.billed == 2


def test_save_with_overwrites_costs_nothing_billed(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage(allow_file_overwrites=True)
    storage.save("existing.txt", ContentFile(b"hello"))
    b2.calls.clear()
    storage.save("existing.txt", ContentFile(b"again"))
    assert b2.calls.billed == 0


def test_exists_is_one_head(warm: BackblazeB2Storage, b2: SimulatedB2) -> None:
    assert warm.exists("existing.txt")
    assert b2.calls.as_dict() == {"b2_get_file_info_by_name": 1}


def test_exists_miss_also_checks_for_a_folder(warm: BackblazeB2Storage, b2: SimulatedB2) -> None:
    assert not warm.exists("missing.txt")
    assert b2.calls.as_dict() == {"b2_get_file_info_by_name": 1, "b2_list_file_names": 1}


def test_size_just_after_save_is_free(warm: BackblazeB2Storage, b2: SimulatedB2) -> None:
    assert warm.size("existing.txt") == 5
    assert b2.calls.total == 0


def test_url_in_a_public_bucket_is_free(b2: SimulatedB2) -> None:
    b2.create_bucket("site-public", "allPublic")
    storage = BackblazeB2Storage(bucket="site-public")
    storage.url("warm-up.txt")  # learns the bucket (and that it is public) once per process
    b2.calls.clear()
    storage.url("existing.txt")
    assert b2.calls.total == 0


def test_url_in_a_private_bucket_costs_one_download_authorization_reused(
    warm: BackblazeB2Storage, b2: SimulatedB2
) -> None:
    # The bucket's type was learnt when it was looked up; the link carries a download authorization.
    assert "Authorization=" in warm.url("existing.txt")
    assert b2.calls.as_dict() == {"b2_get_download_authorization": 1}
    b2.calls.clear()
    warm.url("existing.txt")
    assert b2.calls.total == 0


def test_open_and_read_a_small_file(warm: BackblazeB2Storage, b2: SimulatedB2) -> None:
    with warm.open("existing.txt") as f:
        assert f.read() == b"hello"
    # A HEAD so that open() of a missing file fails at once, then one download.
    assert b2.calls.as_dict() == {"b2_get_file_info_by_name": 1, "b2_download_file_by_name": 1}


def test_delete(warm: BackblazeB2Storage, b2: SimulatedB2) -> None:
    warm.delete("existing.txt")
    assert b2.calls.as_dict() == {"b2_list_file_versions": 1, "b2_delete_file_version": 1}


def test_many_storage_instances_share_one_authorization(b2: SimulatedB2) -> None:
    for _ in range(20):
        BackblazeB2Storage().exists("x.txt")
    assert b2.calls["b2_authorize_account"] == 1
    assert b2.calls["b2_list_buckets"] <= 1
