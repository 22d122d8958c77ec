"""b2sdk's own operations against the local server, over real HTTP."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from urllib.parse import unquote

import pytest
import requests
from b2sdk.v2 import B2Api, Bucket, CopySource, EncryptionAlgorithm, EncryptionKey, EncryptionMode, EncryptionSetting
from b2sdk.v2.exception import FileNotPresent, SSECKeyError

from django_backblaze_b2.testing.server import LocalB2Server
from django_backblaze_b2.testing.simulator import MB

from .conftest import make_api

Download = Callable[..., bytes]


def test_authorize_uses_the_realm_url_as_is(server: LocalB2Server, api: B2Api) -> None:
    assert server.realm.startswith("http://127.0.0.1:")
    assert api.account_info.get_api_url() == server.realm
    assert api.account_info.get_download_url() == server.realm
    assert api.account_info.get_recommended_part_size() == 5 * MB
    assert api.account_info.get_absolute_minimum_part_size() == 5 * MB
    assert server.calls["b2_authorize_account"] == 1


def test_small_upload_then_download_whole_and_ranged(server: LocalB2Server, bucket: Bucket, download: Download) -> None:
    data = os.urandom(10_000)
    version = bucket.upload_bytes(data, "docs/report.pdf")
    assert version.size == len(data)
    assert version.content_type == "application/pdf"  # b2/x-auto guessed from the name, as B2 does
    assert version.content_sha1 == hashlib.sha1(data).hexdigest()
    assert version.upload_timestamp > 1_600_000_000_000  # epoch milliseconds

    assert download(bucket, "docs/report.pdf") == data
    assert download(bucket, file_id=version.id_) == data
    assert download(bucket, "docs/report.pdf", range_=(100, 199)) == data[100:200]
    assert server.calls["b2_upload_file"] == 1
    assert server.calls["b2_download_file_by_name"] == 2
    assert server.calls["b2_download_file_by_id"] == 1


def test_large_file_goes_multi_part_in_parallel(server: LocalB2Server, bucket: Bucket, download: Download) -> None:
    data = os.urandom(11 * MB)  # > recommended (5 MB) + minimum (5 MB): a large file
    version = bucket.upload_bytes(data, "video.bin")
    assert version.size == len(data)
    assert server.calls["b2_start_large_file"] == 1
    assert server.calls["b2_upload_part"] >= 2
    assert server.calls["b2_get_upload_part_url"] >= 2  # one URL per upload thread
    assert server.calls["b2_finish_large_file"] == 1
    assert server.calls["b2_upload_file"] == 0
    assert download(bucket, "video.bin") == data
    assert download(bucket, "video.bin", range_=(5 * MB - 10, 5 * MB + 9)) == data[5 * MB - 10 : 5 * MB + 10]


def test_copy_small_and_by_parts(server: LocalB2Server, bucket: Bucket, download: Download) -> None:
    small = bucket.upload_bytes(b"copy me", "a.txt")
    copied = bucket.copy(small.id_, "b.txt")
    assert copied.file_name == "b.txt"
    assert download(bucket, "b.txt") == b"copy me"
    assert server.calls["b2_copy_file"] == 1

    data = os.urandom(11 * MB)
    large = bucket.upload_bytes(data, "big/source.bin")
    # b2sdk copies up to 5 GB in one b2_copy_file; stitching sources makes it copy by parts.
    halves = [CopySource(large.id_, offset=0, length=6 * MB), CopySource(large.id_, offset=6 * MB, length=5 * MB)]
    bucket.concatenate(halves, "big/copy.bin")
    assert server.calls["b2_copy_part"] >= 2
    assert download(bucket, "big/copy.bin") == data
    # The copy is a file of its own: it can be downloaded and deleted by id.
    copy_version = bucket.get_file_info_by_name("big/copy.bin")
    assert download(bucket, file_id=copy_version.id_) == data


def test_ls_with_folders_hide_and_delete_version(api: B2Api, bucket: Bucket, download: Download) -> None:
    for name in ("a.txt", "photos/1.jpg", "photos/2.jpg", "photos/raw/3.raw", "z.txt"):
        bucket.upload_bytes(name.encode(), name)
    top = [(version.file_name, folder) for version, folder in bucket.ls("", recursive=False)]
    assert top == [("a.txt", None), ("photos/1.jpg", "photos/"), ("z.txt", None)]
    photos = [(version.file_name, folder) for version, folder in bucket.ls("photos", recursive=False)]
    assert photos == [("photos/1.jpg", None), ("photos/2.jpg", None), ("photos/raw/3.raw", "photos/raw/")]

    bucket.hide_file("photos/1.jpg")
    assert [v.file_name for v, _ in bucket.ls("photos", recursive=True)] == ["photos/2.jpg", "photos/raw/3.raw"]
    with pytest.raises(FileNotPresent):
        bucket.get_file_info_by_name("photos/1.jpg")  # HEAD of a hidden file: 404, as on B2
    with pytest.raises(FileNotPresent):
        download(bucket, "photos/1.jpg")

    first = bucket.upload_bytes(b"v1", "doc.txt")
    second = bucket.upload_bytes(b"v2", "doc.txt")
    assert download(bucket, "doc.txt") == b"v2"
    bucket.delete_file_version(second.id_, "doc.txt")
    assert download(bucket, "doc.txt") == b"v1"
    versions = [v.id_ for v in bucket.list_file_versions("doc.txt")]
    assert versions == [first.id_]


def test_list_with_prefix_and_delimiter_over_the_raw_api(api: B2Api, bucket: Bucket) -> None:
    for name in ("a.txt", "photos/1.jpg", "photos/raw/3.raw", "photos/x.jpg", "z.txt"):
        bucket.upload_bytes(b"x", name)
    url = f"{api.account_info.get_api_url()}/b2api/v3/b2_list_file_names"
    headers = {"Authorization": api.account_info.get_account_auth_token()}
    body = {"bucketId": bucket.id_, "prefix": "photos/", "delimiter": "/", "maxFileCount": 2}
    answer = requests.post(url, json=body, headers=headers, timeout=10).json()
    assert [(f["fileName"], f["action"]) for f in answer["files"]] == [
        ("photos/1.jpg", "upload"),
        ("photos/raw/", "folder"),
    ]
    assert answer["nextFileName"] == "photos/x.jpg"
    body = {"bucketId": bucket.id_, "prefix": "photos/", "startFileName": answer["nextFileName"]}
    answer = requests.post(url, json=body, headers=headers, timeout=10).json()
    assert [f["fileName"] for f in answer["files"]] == ["photos/x.jpg"]
    assert answer["nextFileName"] is None
    # list_file_names with a prefix and no startFileName (the in-process simulator's gap).
    names = api.session.list_file_names(bucket.id_, prefix="photos/")
    assert [f["fileName"] for f in names["files"]] == ["photos/1.jpg", "photos/raw/3.raw", "photos/x.jpg"]


def test_download_authorization_with_plain_requests(server: LocalB2Server, api: B2Api, bucket: Bucket) -> None:
    bucket.upload_bytes(b"secret", "private/a b+c ü.txt", content_disposition="attachment", cache_control="max-age=60")
    bucket.upload_bytes(b"other", "elsewhere/x.txt")
    url = api.get_download_url_for_file_name(bucket.name, "private/a b+c ü.txt")
    assert requests.get(url, timeout=10).status_code == 401  # private bucket, no token

    token = bucket.get_download_authorization("private/", 3600)
    response = requests.get(url, params={"Authorization": token}, timeout=10)
    assert response.status_code == 200
    assert response.content == b"secret"  # "?Authorization=" is not part of the name
    assert response.headers["Content-Disposition"] == "attachment"
    assert response.headers["Cache-Control"] == "max-age=60"
    assert requests.get(url, headers={"Authorization": token}, timeout=10).status_code == 200

    other = api.get_download_url_for_file_name(bucket.name, "elsewhere/x.txt")
    refused = requests.get(other, params={"Authorization": token}, timeout=10)
    assert refused.status_code == 401
    assert refused.json()["code"] == "unauthorized"

    server.faults.expire_tokens()
    expired = requests.get(url, params={"Authorization": token}, timeout=10)
    assert expired.status_code == 401
    assert expired.json() == {"status": 401, "code": "expired_auth_token", "message": expired.json()["message"]}


def test_download_authorization_expires_with_time(api: B2Api, bucket: Bucket) -> None:
    bucket.upload_bytes(b"soon gone", "tmp/x.txt")
    url = api.get_download_url_for_file_name(bucket.name, "tmp/x.txt")
    token = bucket.get_download_authorization("tmp/", 1)
    assert requests.get(url, params={"Authorization": token}, timeout=10).status_code == 200
    import time

    time.sleep(1.1)
    assert requests.get(url, params={"Authorization": token}, timeout=10).status_code == 401


def test_public_bucket_downloads_without_auth_and_headers_round_trip(api: B2Api) -> None:
    public = api.create_bucket("public-media", "allPublic")
    public.upload_bytes(
        b"hello",
        "dir/hello world.txt",
        content_type="text/plain",
        file_info={"author": "Zoë Ünïcode", "note": "a+b c"},
        content_disposition='inline; filename="x.txt"',
        content_language="fr",
        expires="Wed, 21 Oct 2037 07:28:00 GMT",
        content_encoding="identity",
    )
    url = api.get_download_url_for_file_name("public-media", "dir/hello world.txt")
    response = requests.get(url, timeout=10)
    assert response.status_code == 200
    assert response.content == b"hello"
    assert response.headers["Content-Type"] == "text/plain"
    assert response.headers["Content-Length"] == "5"
    assert response.headers["Content-Disposition"] == 'inline; filename="x.txt"'
    assert response.headers["Content-Language"] == "fr"
    assert response.headers["Expires"] == "Wed, 21 Oct 2037 07:28:00 GMT"
    assert response.headers["X-Bz-File-Name"] == "dir/hello%20world.txt"
    assert unquote(response.headers["X-Bz-Info-author"]) == "Zoë Ünïcode"
    head = requests.head(url, timeout=10)
    assert head.status_code == 200
    assert head.headers["Content-Length"] == "5"
    assert head.content == b""
    # b2sdk reads the same metadata back.
    version = public.get_file_info_by_name("dir/hello world.txt")
    assert version.file_info["author"] == "Zoë Ünïcode"
    assert version.file_info["note"] == "a+b c"
    assert version.content_language == "fr"


def test_range_answers_206_and_416(api: B2Api) -> None:
    public = api.create_bucket("public-ranges", "allPublic")
    public.upload_bytes(b"0123456789", "digits.txt")
    url = api.get_download_url_for_file_name("public-ranges", "digits.txt")
    partial = requests.get(url, headers={"Range": "bytes=2-4"}, timeout=10)
    assert (partial.status_code, partial.content, partial.headers["Content-Range"]) == (206, b"234", "bytes 2-4/10")
    tail = requests.get(url, headers={"Range": "bytes=-3"}, timeout=10)
    assert (tail.status_code, tail.content) == (206, b"789")
    clamped = requests.get(url, headers={"Range": "bytes=8-100"}, timeout=10)
    assert (clamped.status_code, clamped.content, clamped.headers["Content-Range"]) == (206, b"89", "bytes 8-9/10")
    beyond = requests.get(url, headers={"Range": "bytes=10-20"}, timeout=10)
    assert beyond.status_code == 416
    assert beyond.json()["code"] == "range_not_satisfiable"
    assert beyond.headers["Content-Range"] == "bytes */10"


def test_sse_c_round_trip(bucket: Bucket, download: Download) -> None:
    key = EncryptionKey(secret=os.urandom(32), key_id="my-key")
    sse_c = EncryptionSetting(EncryptionMode.SSE_C, EncryptionAlgorithm.AES256, key)
    bucket.upload_bytes(b"encrypted", "sse.txt", encryption=sse_c)
    assert download(bucket, "sse.txt", encryption=sse_c) == b"encrypted"
    with pytest.raises(SSECKeyError):
        download(bucket, "sse.txt")
    version = bucket.get_file_info_by_name("sse.txt")
    assert version.server_side_encryption.mode == EncryptionMode.SSE_C


def test_keys_create_list_restrict_delete(server: LocalB2Server, api: B2Api, bucket: Bucket) -> None:
    bucket.upload_bytes(b"mine", "team/a.txt")
    bucket.upload_bytes(b"theirs", "other/b.txt")
    created = api.create_key(["listFiles", "readFiles"], "reader", bucket_id=bucket.id_, name_prefix="team/")
    assert created.id_ in [k.id_ for k in api.list_keys()]

    reader = make_api(server.realm, created.id_, created.application_key)
    reader_bucket = reader.get_bucket_by_name(bucket.name)
    assert [v.file_name for v, _ in reader_bucket.ls("team", recursive=True)] == ["team/a.txt"]
    url = reader.get_download_url_for_file_name(bucket.name, "other/b.txt")
    token = reader.account_info.get_account_auth_token()
    assert requests.get(url, headers={"Authorization": token}, timeout=10).status_code == 401
    team_url = reader.get_download_url_for_file_name(bucket.name, "team/a.txt")
    assert requests.get(team_url, headers={"Authorization": token}, timeout=10).content == b"mine"

    api.delete_key_by_id(created.id_)
    assert created.id_ not in [k.id_ for k in api.list_keys()]
    assert requests.get(team_url, headers={"Authorization": token}, timeout=10).status_code == 401
