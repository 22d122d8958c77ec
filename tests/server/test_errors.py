"""B2's error answers, so b2sdk raises what it raises against B2."""

from __future__ import annotations

import pytest
import requests
from b2sdk.v2 import B2Api, Bucket, InMemoryAccountInfo
from b2sdk.v2.exception import (
    BucketIdNotFound,
    DuplicateBucketName,
    FileNotPresent,
    InvalidAuthToken,
    NonExistentBucket,
)

from django_backblaze_b2.testing.server import LocalB2Server


def test_missing_file(bucket: Bucket) -> None:
    with pytest.raises(FileNotPresent):
        bucket.get_file_info_by_name("nope.txt")
    with pytest.raises(FileNotPresent):
        bucket.download_file_by_name("nope.txt").save(open("/dev/null", "wb"))  # noqa: SIM115
    with pytest.raises(FileNotPresent):
        bucket.get_file_info_by_id("123456789012")
    version = bucket.upload_bytes(b"x", "x.txt")
    with pytest.raises(FileNotPresent):
        bucket.delete_file_version(version.id_, "not-its-name.txt")


def test_missing_buckets(api: B2Api) -> None:
    with pytest.raises(NonExistentBucket):
        api.get_bucket_by_name("no-such-bucket")
    with pytest.raises(BucketIdNotFound):
        api.session.get_upload_url("no-such-bucket-id")


def test_duplicate_bucket_name(api: B2Api) -> None:
    api.create_bucket("taken-name", "allPrivate")
    with pytest.raises(DuplicateBucketName):
        api.create_bucket("taken-name", "allPublic")


def test_bad_key_and_bad_token(server: LocalB2Server) -> None:
    with pytest.raises(InvalidAuthToken):
        B2Api(InMemoryAccountInfo()).authorize_account(server.realm, server.key_id, "wrong-key")
    with pytest.raises(InvalidAuthToken):
        B2Api(InMemoryAccountInfo()).authorize_account(server.realm, "unknown-key-id", server.key)
    answer = requests.post(
        f"{server.realm}/b2api/v3/b2_list_buckets",
        json={"accountId": server.key_id},
        headers={"Authorization": "not-a-token"},
        timeout=10,
    )
    assert answer.status_code == 401
    assert answer.json() == {"status": 401, "code": "bad_auth_token", "message": "Invalid authorization token"}


def test_error_bodies_are_b2s(server: LocalB2Server, api: B2Api) -> None:
    token = api.account_info.get_account_auth_token()
    answer = requests.post(
        f"{server.realm}/b2api/v3/b2_create_bucket",
        json={"accountId": api.account_info.get_account_id(), "bucketName": "ab", "bucketType": "allPrivate"},
        headers={"Authorization": token},
        timeout=10,
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "bad_request"
    assert set(answer.json()) == {"status", "code", "message"}
    malformed = requests.post(
        f"{server.realm}/b2api/v3/b2_list_buckets", data=b"{", headers={"Authorization": token}, timeout=10
    )
    assert (malformed.status_code, malformed.json()["code"]) == (400, "bad_json")
    unknown = requests.get(f"{server.realm}/nothing/here", timeout=10)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")


def test_served_api_versions(server: LocalB2Server, api: B2Api) -> None:
    """Each API version answers b2_authorize_account in its own shape: v1 and v2 flat (rclone reads
    v1), v3 under apiInfo.storageApi (older b2sdk), v4 with the key's buckets listed (b2sdk 2.9+)."""
    import base64

    basic = "Basic " + base64.b64encode(f"{server.key_id}:{server.key}".encode()).decode()
    answers = {}
    for version in ("v1", "v2", "v3", "v4"):
        answer = requests.get(
            f"{server.realm}/b2api/{version}/b2_authorize_account", headers={"Authorization": basic}, timeout=10
        )
        assert answer.status_code == 200
        answers[version] = answer.json()
    for version in ("v1", "v2"):
        flat = answers[version]
        assert "apiInfo" not in flat
        assert (flat["apiUrl"], flat["downloadUrl"]) == (server.realm, server.realm)
        assert flat["recommendedPartSize"] == 5 * 1000 * 1000
        assert flat["allowed"]["bucketId"] is None
        assert "writeFiles" in flat["allowed"]["capabilities"]
    v3 = answers["v3"]["apiInfo"]["storageApi"]
    assert (v3["apiUrl"], v3["allowed"]["bucketId"]) == (server.realm, None)
    v4 = answers["v4"]["apiInfo"]["storageApi"]
    assert v4["apiUrl"] == server.realm
    assert "bucketId" not in v4["allowed"]
    assert v4["allowed"]["buckets"] is None
