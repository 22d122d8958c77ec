"""--data-dir: the account survives a restart, and every call is on disk once answered."""

from __future__ import annotations

import hashlib
import io
import os
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from b2sdk.v2 import Bucket

from django_backblaze_b2.testing.server import B2Backend, LocalB2Server, ServerProcess
from django_backblaze_b2.testing.simulator import MB

from .conftest import make_api


def read(bucket: Bucket, name: str) -> bytes:
    out = io.BytesIO()
    bucket.download_file_by_name(name).save(out)
    return out.getvalue()


def test_data_survives_a_restart(tmp_path: Path) -> None:
    large = os.urandom(11 * MB)
    with LocalB2Server(data_dir=tmp_path, recommended_part_size=5 * MB) as first:
        api = make_api(first.realm, first.key_id, first.key)
        bucket = api.create_bucket("kept-bucket", "allPrivate")
        bucket.upload_bytes(b"v1", "doc.txt", file_info={"k": "v"})
        bucket.upload_bytes(b"v2", "doc.txt")
        bucket.upload_bytes(large, "large.bin")
        bucket.upload_bytes(b"hidden", "hidden.txt")
        bucket.hide_file("hidden.txt")
        unfinished = api.session.start_large_file(bucket.id_, "unfinished.bin", "b2/x-auto", {})["fileId"]
        part = os.urandom(5 * MB)
        part_sha1 = hashlib.sha1(part).hexdigest()
        api.session.upload_part(unfinished, 1, len(part), part_sha1, io.BytesIO(part))
        key = api.create_key(["readFiles", "listFiles", "listBuckets"], "kept-key")
        old_realm = first.realm

    with LocalB2Server(data_dir=tmp_path, recommended_part_size=5 * MB) as second:
        assert second.realm != old_realm or second.port  # a new port is fine: the realm is not stored
        api = make_api(second.realm, second.key_id, second.key)
        bucket = api.get_bucket_by_name("kept-bucket")
        assert read(bucket, "doc.txt") == b"v2"
        assert [v.file_info.get("k") for v in bucket.list_file_versions("doc.txt")] == [None, "v"]
        assert read(bucket, "large.bin") == large
        assert [v.file_name for v, _ in bucket.ls("", recursive=True)] == ["doc.txt", "large.bin"]
        assert [f.file_id for f in bucket.list_unfinished_large_files()] == [unfinished]
        assert [p["contentSha1"] for p in api.session.list_parts(unfinished, 1, 100)["parts"]] == [part_sha1]
        reader = make_api(second.realm, key.id_, key.application_key)
        assert read(reader.get_bucket_by_name("kept-bucket"), "doc.txt") == b"v2"
        # New ids never collide with stored ones.
        new = bucket.upload_bytes(b"new", "new.txt")
        assert new.id_ not in {v.id_ for v in bucket.list_file_versions("doc.txt")}


def test_state_is_saved_on_every_call(tmp_path: Path) -> None:
    """A crash (no clean stop) loses nothing answered: another backend reads the directory as is."""
    with LocalB2Server(data_dir=tmp_path) as running:
        api = make_api(running.realm, running.key_id, running.key)
        bucket = api.create_bucket("crash-bucket", "allPublic")
        version = bucket.upload_bytes(b"on disk", "a.txt")
        bucket.upload_bytes(b"doomed", "b.txt")
        doomed = bucket.get_file_info_by_name("b.txt")
        bucket.delete_file_version(doomed.id_, "b.txt")
        assert len(list((tmp_path / "blobs").iterdir())) == 1  # the deleted version's bytes are gone

        copy = B2Backend("http://127.0.0.1:1", running.key_id, running.key)  # a temporary directory
        assert copy.simulator.bucket_name_to_bucket == {}
        copy.close()
        reloaded = B2Backend("http://127.0.0.1:1", running.key_id, running.key, data_dir=tmp_path)
        reloaded_bucket = reloaded.simulator.bucket_name_to_bucket["crash-bucket"]
        assert [name for name, _ in reloaded_bucket.file_name_and_id_to_file] == ["a.txt"]
        blob = reloaded_bucket.file_id_to_file[version.id_].data_bytes
        assert b"".join(reloaded.blobs.read(blob.segments)) == b"on disk"
        reloaded.close()


def test_a_killed_upload_leaves_nothing_behind(tmp_path: Path) -> None:
    """kill -9 in the middle of an upload body: the next start removes the half-written body, and
    everything answered before is there."""
    with ServerProcess(data_dir=tmp_path) as process:
        api = make_api(process.realm, process.key_id, process.key)
        bucket = api.create_bucket("killed-bucket", "allPrivate")
        bucket.upload_bytes(b"kept", "kept.txt")
        target = api.session.get_upload_url(bucket.id_)
        url = urlsplit(target["uploadUrl"])
        with socket.create_connection((url.hostname, url.port), timeout=30) as connection:
            connection.sendall(
                (
                    f"POST {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\n"
                    f"Authorization: {target['authorizationToken']}\r\nX-Bz-File-Name: lost.bin\r\n"
                    f"X-Bz-Content-Sha1: do_not_verify\r\nContent-Length: {10 * MB}\r\n\r\n"
                ).encode()
                + b"x" * MB
            )
            while not any(p.name.startswith(".tmp-") for p in (tmp_path / "blobs").iterdir()):
                time.sleep(0.01)
            assert process.process is not None
            process.process.kill()
            process.process.wait(timeout=10)
    assert any(p.name.startswith(".tmp-") for p in (tmp_path / "blobs").iterdir())

    with LocalB2Server(data_dir=tmp_path) as again:
        assert not any(p.name.startswith(".tmp-") for p in (tmp_path / "blobs").iterdir())
        api = make_api(again.realm, again.key_id, again.key)
        bucket = api.get_bucket_by_name("killed-bucket")
        assert read(bucket, "kept.txt") == b"kept"
        assert [v.file_name for v, _ in bucket.ls("", recursive=True)] == ["kept.txt"]


def test_memory_only_without_data_dir() -> None:
    with LocalB2Server() as first:
        make_api(first.realm, first.key_id, first.key).create_bucket("gone-bucket", "allPrivate")
    with LocalB2Server() as second:
        assert make_api(second.realm, second.key_id, second.key).list_buckets() == []


def test_an_earlier_versions_directory_is_refused_untouched(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_text("{}")
    with pytest.raises(ValueError, match="earlier version"):
        B2Backend("http://127.0.0.1:1", "k", "s", data_dir=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


def test_tokens_long_expired_are_forgotten_at_start(tmp_path: Path) -> None:
    with LocalB2Server(data_dir=tmp_path) as first:
        make_api(first.realm, first.key_id, first.key)
        tokens = first.server.backend.tokens
        for token in list(tokens.account_expiry):
            tokens.account_expiry[token] = time.time() - 10  # just expired: kept, so clients hear "expired"
            tokens._changed.add(token)
        first.server.backend.save()
    with LocalB2Server(data_dir=tmp_path) as second:
        assert len(second.server.backend.tokens.account_expiry) == 1
        for token in list(second.server.backend.tokens.account_expiry):
            second.server.backend.tokens.account_expiry[token] = 1.0  # expired long ago
            second.server.backend.tokens._changed.add(token)
        second.server.backend.save()
    with LocalB2Server(data_dir=tmp_path) as third:
        assert third.server.backend.tokens.account_expiry == {}
        assert make_api(third.realm, third.key_id, third.key).list_buckets() == []
