"""CORS: a browser uploading a large file in parts straight to the server, as the bucket's rules allow."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import requests
from b2sdk.v2 import B2Api, Bucket

from django_backblaze_b2.testing.server import LocalB2Server

from .conftest import PART

APP = "https://app.example.com"
RULES = [
    {
        "corsRuleName": "uploads-from-app",
        "allowedOrigins": [APP, "https://*.preview.example.com"],
        "allowedOperations": ["b2_upload_file", "b2_upload_part", "b2_download_file_by_name"],
        "allowedHeaders": ["authorization", "content-type", "x-bz-*"],
        "exposeHeaders": ["x-bz-content-sha1"],
        "maxAgeSeconds": 3600,
    }
]
PART_HEADERS = "authorization, x-bz-part-number, x-bz-content-sha1"


@pytest.fixture
def cors_bucket(api: B2Api) -> Bucket:
    return api.create_bucket("browser-uploads", "allPrivate", cors_rules=RULES)


class Browser:
    """What a page's ``fetch()`` sends: an Origin on every request, a preflight before non-simple ones."""

    def __init__(self, server: LocalB2Server, api: B2Api, origin: str = APP) -> None:
        self.api_url = server.realm
        self.token = api.account_info.get_account_auth_token()
        self.origin = origin

    def preflight(self, url: str, method: str, headers: str) -> requests.Response:
        return requests.options(
            url,
            headers={
                "Origin": self.origin,
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": headers,
            },
            timeout=30,
        )

    def call(self, api_name: str, **params: Any) -> requests.Response:
        return requests.post(
            f"{self.api_url}/b2api/v3/{api_name}",
            json=params,
            headers={"Origin": self.origin, "Authorization": self.token},
            timeout=30,
        )

    def upload_part(self, url: str, token: str, number: int, data: bytes) -> requests.Response:
        headers = {
            "Origin": self.origin,
            "Authorization": token,
            "X-Bz-Part-Number": str(number),
            "X-Bz-Content-Sha1": hashlib.sha1(data).hexdigest(),
        }
        return requests.post(url, data=data, headers=headers, timeout=60)


def test_a_browser_uploads_a_large_file_in_parts(server: LocalB2Server, api: B2Api, cors_bucket: Bucket) -> None:
    browser = Browser(server, api)
    # The JSON API answers any origin (bucket rules govern uploads and downloads only).
    preflight = browser.preflight(f"{server.realm}/b2api/v3/b2_start_large_file", "POST", "authorization, content-type")
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == APP
    started = browser.call(
        "b2_start_large_file", bucketId=cors_bucket.id_, fileName="videos/clip.mp4", contentType="video/mp4"
    )
    assert started.status_code == 200, started.text
    assert started.headers["Access-Control-Allow-Origin"] == APP
    file_id = started.json()["fileId"]
    unfinished = browser.call("b2_list_unfinished_large_files", bucketId=cors_bucket.id_).json()
    assert [f["fileId"] for f in unfinished["files"]] == [file_id]

    part_url = browser.call("b2_get_upload_part_url", fileId=file_id).json()
    preflight = browser.preflight(part_url["uploadUrl"], "POST", PART_HEADERS)
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == APP
    assert preflight.headers["Access-Control-Allow-Methods"] == "POST"
    assert preflight.headers["Access-Control-Allow-Headers"] == PART_HEADERS
    assert preflight.headers["Access-Control-Max-Age"] == "3600"

    parts = [b"a" * PART, b"tail"]
    for number, data in enumerate(parts, start=1):
        uploaded = browser.upload_part(part_url["uploadUrl"], part_url["authorizationToken"], number, data)
        assert uploaded.status_code == 200, uploaded.text
        assert uploaded.headers["Access-Control-Allow-Origin"] == APP
        assert uploaded.headers["Access-Control-Expose-Headers"] == "x-bz-content-sha1"
    listed = browser.call("b2_list_parts", fileId=file_id).json()
    assert [p["partNumber"] for p in listed["parts"]] == [1, 2]
    sha1s = [hashlib.sha1(data).hexdigest() for data in parts]
    finished = browser.call("b2_finish_large_file", fileId=file_id, partSha1Array=sha1s)
    assert finished.status_code == 200, finished.text
    assert finished.json()["contentLength"] == PART + 4

    download_url = f"{server.realm}/file/browser-uploads/videos/clip.mp4"
    download = requests.get(download_url, headers={"Origin": APP, "Authorization": browser.token}, timeout=30)
    assert download.content == b"".join(parts)
    assert download.headers["Access-Control-Allow-Origin"] == APP


def test_a_browser_cancels_a_large_file(server: LocalB2Server, api: B2Api, cors_bucket: Bucket) -> None:
    browser = Browser(server, api)
    file_id = browser.call("b2_start_large_file", bucketId=cors_bucket.id_, fileName="big.bin").json()["fileId"]
    cancelled = browser.call("b2_cancel_large_file", fileId=file_id)
    assert cancelled.status_code == 200
    assert cancelled.headers["Access-Control-Allow-Origin"] == APP
    assert browser.call("b2_list_unfinished_large_files", bucketId=cors_bucket.id_).json()["files"] == []


@pytest.mark.parametrize(
    ("origin", "method", "headers"),
    [
        ("https://evil.example.net", "POST", PART_HEADERS),  # an origin no rule names
        (APP, "POST", "authorization, x-custom-header"),  # a header no rule allows
        (APP, "PUT", PART_HEADERS),  # not how parts are uploaded
    ],
    ids=["origin", "header", "method"],
)
def test_a_preflight_no_rule_allows_is_refused(
    server: LocalB2Server, api: B2Api, cors_bucket: Bucket, origin: str, method: str, headers: str
) -> None:
    browser = Browser(server, api, origin)
    file_id = browser.call("b2_start_large_file", bucketId=cors_bucket.id_, fileName="big.bin").json()["fileId"]
    part_url = browser.call("b2_get_upload_part_url", fileId=file_id).json()["uploadUrl"]
    refused = browser.preflight(part_url, method, headers)
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_a_wildcard_origin_matches_subdomains_only(server: LocalB2Server, api: B2Api, cors_bucket: Bucket) -> None:
    url = f"{server.realm}/file/browser-uploads/a.txt"
    allowed = Browser(server, api, "https://pr-12.preview.example.com").preflight(url, "GET", "authorization")
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://pr-12.preview.example.com"
    assert Browser(server, api, "https://preview.example.com").preflight(url, "GET", "authorization").status_code == 403


def test_a_bucket_without_rules_refuses_browsers(server: LocalB2Server, api: B2Api, bucket: Bucket) -> None:
    browser = Browser(server, api)
    upload_url = browser.call("b2_get_upload_url", bucketId=bucket.id_).json()["uploadUrl"]
    assert browser.preflight(upload_url, "POST", "authorization, x-bz-file-name").status_code == 403
    bucket.upload_bytes(b"hi", "a.txt")
    download = requests.get(
        f"{server.realm}/file/{bucket.name}/a.txt", headers={"Origin": APP, "Authorization": browser.token}, timeout=30
    )
    assert download.status_code == 200
    assert "Access-Control-Allow-Origin" not in download.headers


def test_a_part_token_is_tied_to_its_large_file(server: LocalB2Server, api: B2Api, cors_bucket: Bucket) -> None:
    browser = Browser(server, api)
    first = browser.call("b2_start_large_file", bucketId=cors_bucket.id_, fileName="one.bin").json()["fileId"]
    second = browser.call("b2_start_large_file", bucketId=cors_bucket.id_, fileName="two.bin").json()["fileId"]
    first_url = browser.call("b2_get_upload_part_url", fileId=first).json()
    second_url = browser.call("b2_get_upload_part_url", fileId=second).json()
    refused = browser.upload_part(second_url["uploadUrl"], first_url["authorizationToken"], 1, b"x" * 10)
    assert refused.status_code == 401
    assert refused.json()["code"] == "bad_auth_token"
    assert browser.call("b2_list_parts", fileId=second).json()["parts"] == []


@pytest.mark.parametrize(
    "rule",
    [
        {**RULES[0], "maxAgeSeconds": 86_401},
        {**RULES[0], "allowedOperations": []},
        {**RULES[0], "allowedOperations": ["b2_list_file_names"]},
        {**RULES[0], "allowedOrigins": ["https://*.*.example.com"]},
        {**RULES[0], "exposeHeaders": ["x-bz-*"]},
        {**RULES[0], "corsRuleName": "b2-mine"},
    ],
    ids=["max-age", "no-operations", "unknown-operation", "two-wildcards", "wildcard-expose", "reserved-name"],
)
def test_invalid_cors_rules_are_refused(server: LocalB2Server, api: B2Api, rule: dict[str, Any]) -> None:
    browser = Browser(server, api)
    account_id = api.account_info.get_account_id()
    answer = browser.call(
        "b2_create_bucket", accountId=account_id, bucketName="bad-rules", bucketType="allPrivate", corsRules=[rule]
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "bad_request"
    assert [b.name for b in api.list_buckets()] == []
