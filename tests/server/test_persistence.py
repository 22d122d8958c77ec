"""--data-dir: the account survives a restart, and every call is on disk once answered."""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

from b2sdk.v2 import Bucket

from django_backblaze_b2.testing.server import B2Backend, LocalB2Server
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

        state = json.loads((tmp_path / "state.json").read_text())
        files = [f["name"] for b in state["buckets"] for f in b["files"]]
        assert files == ["a.txt"]
        assert sorted(p.name for p in (tmp_path / "blobs").iterdir()) == [f"f{version.id_}"]

        copy = B2Backend("http://127.0.0.1:1", running.key_id, running.key)  # memory only
        assert copy.simulator.bucket_name_to_bucket == {}
        reloaded = B2Backend("http://127.0.0.1:1", running.key_id, running.key, data_dir=tmp_path)
        reloaded_bucket = reloaded.simulator.bucket_name_to_bucket["crash-bucket"]
        assert reloaded_bucket.file_id_to_file[version.id_].data_bytes == b"on disk"


def test_memory_only_without_data_dir() -> None:
    with LocalB2Server() as first:
        make_api(first.realm, first.key_id, first.key).create_bucket("gone-bucket", "allPrivate")
    with LocalB2Server() as second:
        assert make_api(second.realm, second.key_id, second.key).list_buckets() == []
