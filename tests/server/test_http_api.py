"""The HTTP surface: B2's answer shapes per API version, GET calls, the control endpoint's guard,
concurrent clients."""

from __future__ import annotations

import base64
import hashlib
import io
import socket

import pytest
import requests
from b2sdk.v2 import B2Api, Bucket

from django_backblaze_b2.testing.server import LocalB2Server, create_server


def v1_token(server: LocalB2Server) -> dict[str, str]:
    basic = "Basic " + base64.b64encode(f"{server.key_id}:{server.key}".encode()).decode()
    answer = requests.get(f"{server.realm}/b2api/v1/b2_authorize_account", headers={"Authorization": basic}, timeout=30)
    return answer.json()  # type: ignore[no-any-return]


def test_v1_listings_give_size_and_b2_lowercases_file_info(server: LocalB2Server, bucket: Bucket) -> None:
    """rclone reads v1: ``size`` in listings, and its ``src_last_modified_millis`` however it was sent."""
    account = v1_token(server)
    target = requests.post(
        f"{account['apiUrl']}/b2api/v1/b2_get_upload_url",
        json={"bucketId": bucket.id_},
        headers={"Authorization": account["authorizationToken"]},
        timeout=30,
    ).json()
    data = b"twelve bytes"
    uploaded = requests.post(
        target["uploadUrl"],
        data=data,
        headers={
            "Authorization": target["authorizationToken"],
            "X-Bz-File-Name": "a.txt",
            "Content-Type": "text/plain",
            "X-Bz-Content-Sha1": hashlib.sha1(data).hexdigest(),
            "X-Bz-Info-Src_Last_Modified_Millis": "1700000000000",
        },
        timeout=30,
    ).json()
    assert uploaded["fileInfo"] == {"src_last_modified_millis": "1700000000000"}
    assert uploaded["contentMd5"] == hashlib.md5(data).hexdigest()
    listed = requests.post(
        f"{account['apiUrl']}/b2api/v1/b2_list_file_names",
        json={"bucketId": bucket.id_},
        headers={"Authorization": account["authorizationToken"]},
        timeout=30,
    ).json()["files"][0]
    assert listed["size"] == len(data)
    assert "contentLength" not in listed
    assert listed["contentMd5"] == hashlib.md5(data).hexdigest()
    assert listed["fileInfo"]["src_last_modified_millis"] == "1700000000000"


def test_read_calls_take_get_with_query_parameters(server: LocalB2Server, api: B2Api, bucket: Bucket) -> None:
    bucket.upload_bytes(b"1", "one.txt")
    bucket.upload_bytes(b"2", "two.txt")
    token = api.account_info.get_account_auth_token()
    answer = requests.get(
        f"{server.realm}/b2api/v4/b2_list_file_names",
        params={"bucketId": bucket.id_, "maxFileCount": "1"},
        headers={"Authorization": token},
        timeout=30,
    )
    assert answer.status_code == 200
    assert [f["fileName"] for f in answer.json()["files"]] == ["one.txt"]
    assert answer.json()["nextFileName"] == "two.txt"
    rules = requests.get(
        f"{server.realm}/b2api/v4/b2_get_bucket_notification_rules",
        params={"bucketId": bucket.id_},
        headers={"Authorization": token},
        timeout=30,
    )
    assert rules.json() == {"bucketId": bucket.id_, "eventNotificationRules": []}


def test_upload_part_answers_what_b2_answers(api: B2Api, bucket: Bucket) -> None:
    large = api.session.start_large_file(bucket.id_, "big.bin", "b2/x-auto", {})
    data = b"p" * 100
    part = api.session.upload_part(large["fileId"], 1, len(data), hashlib.sha1(data).hexdigest(), io.BytesIO(data))
    assert part["contentMd5"] == hashlib.md5(data).hexdigest()
    assert {"fileId", "partNumber", "contentLength", "contentSha1", "contentMd5", "uploadTimestamp"} <= set(part)


def test_key_listing_has_bucket_ids_from_v3(server: LocalB2Server, api: B2Api, bucket: Bucket) -> None:
    api.create_key(["listFiles"], "one-bucket", bucket_id=bucket.id_)
    token = api.account_info.get_account_auth_token()
    for version, field, value in (("v2", "bucketId", bucket.id_), ("v4", "bucketIds", [bucket.id_])):
        keys = requests.get(
            f"{server.realm}/b2api/{version}/b2_list_keys", headers={"Authorization": token}, timeout=30
        ).json()["keys"]
        assert [k[field] for k in keys] == [value]


# --- the control endpoint -------------------------------------------------------------------------


def test_control_accepts_its_own_clients(server: LocalB2Server) -> None:
    answer = requests.post(f"{server.realm}/_control/faults", json={"action": "clear"}, timeout=30)
    assert answer.status_code == 200
    for host in (f"127.0.0.1:{server.port}", f"localhost:{server.port}"):
        assert requests.get(f"{server.realm}/_control/calls", headers={"Host": host}, timeout=30).status_code == 200


def test_control_refuses_what_a_web_page_can_send(server: LocalB2Server) -> None:
    """A form or a no-cors fetch sends text/plain; DNS rebinding sends the attacker's Host."""
    command = '{"action": "fail", "api_name": "b2_upload_file", "times": null}'
    plain = requests.post(
        f"{server.realm}/_control/faults", data=command, headers={"Content-Type": "text/plain"}, timeout=30
    )
    assert plain.status_code == 415
    foreign = requests.post(
        f"{server.realm}/_control/faults",
        data=command,
        headers={"Content-Type": "application/json", "Host": f"attacker.example:{server.port}"},
        timeout=30,
    )
    assert foreign.status_code == 403
    read = requests.get(f"{server.realm}/_control/calls", headers={"Host": "attacker.example"}, timeout=30)
    assert read.status_code == 403
    assert server.faults.as_dict()["failures"] == []


# --- many clients at once -------------------------------------------------------------------------


def test_many_clients_connecting_at_once_are_all_answered() -> None:
    """Connections made while the server is busy wait in its listen queue instead of being dropped:
    socketserver's default queue holds 5, and the kernel drops handshakes past it."""
    server = create_server(0, key_id="k", key="s")
    clients: list[socket.socket] = []
    try:
        for _ in range(64):  # the server accepts nothing meanwhile
            clients.append(socket.create_connection(("127.0.0.1", server.port), timeout=10))
        server.socket.setblocking(False)
        queued = []
        while True:
            try:
                queued.append(server.socket.accept())
            except BlockingIOError:
                break
        assert len(queued) == len(clients)  # every handshake completed and waited its turn
        for request, address in queued:
            request.setblocking(True)
            server.process_request(request, address)
        for client in clients:
            client.sendall(b"GET /_control/info HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % server.port)
        for client in clients:
            assert client.recv(64).startswith(b"HTTP/1.1 200")
    finally:
        for client in clients:
            client.close()
        server.close_connections()
        server.server_close()
        server.backend.close()


@pytest.mark.parametrize("version", ["v0", "v5"])
def test_unknown_api_versions_are_404(server: LocalB2Server, version: str) -> None:
    answer = requests.get(f"{server.realm}/b2api/{version}/b2_authorize_account", timeout=30)
    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
