"""B2's rules, as b2sdk sees them over HTTP: Object Lock, file names, bucket ids, deleting buckets."""

from __future__ import annotations

import hashlib
import re
import time
from urllib.parse import quote

import pytest
import requests
from b2sdk.v2 import B2Api, Bucket, FileRetentionSetting, LegalHold, RetentionMode
from b2sdk.v2.exception import AccessDenied, BadRequest

from django_backblaze_b2.testing.server import LocalB2Server

HOUR_MS = 3600 * 1000


def until(hours: float) -> int:
    return int(time.time() * 1000 + hours * HOUR_MS)


@pytest.fixture
def locked(api: B2Api) -> Bucket:
    return api.create_bucket("locked-bucket", "allPrivate", is_file_lock_enabled=True)


def test_a_legal_hold_refuses_a_delete(api: B2Api, locked: Bucket) -> None:
    version = locked.upload_bytes(b"evidence", "evidence.txt", legal_hold=LegalHold.ON)
    with pytest.raises(AccessDenied):
        locked.delete_file_version(version.id_, version.file_name)
    api.update_file_legal_hold(version.id_, version.file_name, LegalHold.OFF)
    locked.delete_file_version(version.id_, version.file_name)
    assert list(locked.list_file_versions("evidence.txt")) == []


def test_compliance_retention_can_only_be_extended(api: B2Api, locked: Bucket) -> None:
    retain = until(1)
    version = locked.upload_bytes(
        b"kept", "kept.txt", file_retention=FileRetentionSetting(RetentionMode.COMPLIANCE, retain)
    )
    for weaker in (
        FileRetentionSetting(RetentionMode.COMPLIANCE, retain - 60_000),  # shorter
        FileRetentionSetting(RetentionMode.GOVERNANCE, until(2)),  # another mode
        FileRetentionSetting(RetentionMode.NONE),  # removed
    ):
        with pytest.raises(AccessDenied):
            api.update_file_retention(version.id_, version.file_name, weaker, bypass_governance=True)
    with pytest.raises(AccessDenied):
        locked.delete_file_version(version.id_, version.file_name, bypass_governance=True)
    api.update_file_retention(version.id_, version.file_name, FileRetentionSetting(RetentionMode.COMPLIANCE, until(2)))
    assert locked.get_file_info_by_id(version.id_).file_retention.retain_until == pytest.approx(until(2), abs=60_000)


def test_governance_retention_yields_only_to_bypass_governance(api: B2Api, locked: Bucket) -> None:
    version = locked.upload_bytes(
        b"kept", "kept.txt", file_retention=FileRetentionSetting(RetentionMode.GOVERNANCE, until(1))
    )
    shorter = FileRetentionSetting(RetentionMode.GOVERNANCE, until(0.5))
    with pytest.raises(AccessDenied):
        api.update_file_retention(version.id_, version.file_name, shorter)
    with pytest.raises(AccessDenied):
        locked.delete_file_version(version.id_, version.file_name)
    api.update_file_retention(version.id_, version.file_name, FileRetentionSetting(RetentionMode.GOVERNANCE, until(3)))
    api.update_file_retention(version.id_, version.file_name, shorter, bypass_governance=True)
    api.update_file_retention(
        version.id_, version.file_name, FileRetentionSetting(RetentionMode.NONE), bypass_governance=True
    )
    locked.delete_file_version(version.id_, version.file_name)


def test_object_lock_needs_a_locked_bucket(api: B2Api, bucket: Bucket) -> None:
    version = bucket.upload_bytes(b"x", "x.txt")
    with pytest.raises(BadRequest):
        api.update_file_legal_hold(version.id_, version.file_name, LegalHold.ON)


def upload(api: B2Api, bucket: Bucket, name: str) -> requests.Response:
    """A raw ``b2_upload_file`` (b2sdk checks names itself, by older rules than B2's)."""
    target = api.session.get_upload_url(bucket.id_)
    headers = {
        "Authorization": target["authorizationToken"],
        "X-Bz-File-Name": quote(name.encode("utf-8", "surrogatepass")),
        "Content-Type": "text/plain",
        "X-Bz-Content-Sha1": hashlib.sha1(b"x").hexdigest(),
    }
    return requests.post(target["uploadUrl"], data=b"x", headers=headers, timeout=30)


@pytest.mark.parametrize(
    "name",
    ["a" * 1024, "é" * 512, "/leading/slash", "trailing/", "two//slashes", "back\\slash", "a" * 300 + "/b"],
    ids=["1024 bytes", "1024 bytes of UTF-8", "leading", "trailing", "double", "backslash", "long segment"],
)
def test_file_names_b2_allows(api: B2Api, bucket: Bucket, name: str) -> None:
    """B2's documented rules today: up to 1024 bytes of UTF-8, no control characters, no DEL."""
    answer = upload(api, bucket, name)
    assert answer.status_code == 200, answer.text
    assert answer.json()["fileName"] == name
    assert [f["fileName"] for f in api.session.list_file_names(bucket.id_, None, 10, None)["files"]] == [name]


@pytest.mark.parametrize(
    "name", ["a" * 1025, "é" * 513, "tab\there", "del\x7f"], ids=["1025 bytes", "1026 bytes of UTF-8", "tab", "DEL"]
)
def test_file_names_b2_refuses(api: B2Api, bucket: Bucket, name: str) -> None:
    answer = upload(api, bucket, name)
    assert (answer.status_code, answer.json()["code"]) == (400, "bad_request")
    assert api.session.list_file_names(bucket.id_, None, 10, None)["files"] == []


def test_bucket_ids_look_like_b2s(api: B2Api) -> None:
    bucket = api.create_bucket("id-bucket", "allPrivate")
    assert re.fullmatch(r"[0-9a-f]{24}", bucket.id_)


def test_a_bucket_with_versions_is_not_deleted(api: B2Api, bucket: Bucket, server: LocalB2Server) -> None:
    version = bucket.upload_bytes(b"x", "x.txt")
    with pytest.raises(BadRequest):  # b2sdk knows B2's code: no "unknown code" warning (an error here)
        api.delete_bucket(bucket)
    bucket.delete_file_version(version.id_, version.file_name)
    api.delete_bucket(bucket)
    assert api.list_buckets() == []
