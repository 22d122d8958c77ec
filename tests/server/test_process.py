"""The server in a child process (``python -m django_backblaze_b2.testing.server --port 0``)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

from django_backblaze_b2.testing.server import LocalB2Server, ServerProcess

from .conftest import make_api

UPLOADER = textwrap.dedent(
    """
    import sys
    from b2sdk.v2 import B2Api, InMemoryAccountInfo
    realm, key_id, key = sys.argv[1:4]
    api = B2Api(InMemoryAccountInfo())
    api.authorize_account(realm, key_id, key)
    bucket = api.create_bucket("shared-bucket", "allPrivate")
    bucket.upload_bytes(b"written by another process", "from-child.txt")
    """
)


def test_spawned_server_control_endpoint_and_persistence(tmp_path: Path) -> None:
    with LocalB2Server.spawn(port=0, data_dir=tmp_path, key_id="proc-key-id", key="proc-key") as process:
        assert process.realm == f"http://127.0.0.1:{process.port}"
        # A file saved by one process (a b2sdk client of its own) ...
        subprocess.run(
            [sys.executable, "-c", UPLOADER, process.realm, "proc-key-id", "proc-key"], check=True, timeout=60
        )
        # ... is read by another (this one).
        api = make_api(process.realm, "proc-key-id", "proc-key")
        bucket = api.get_bucket_by_name("shared-bucket")
        out = io.BytesIO()
        bucket.download_file_by_name("from-child.txt").save(out)
        assert out.getvalue() == b"written by another process"
        calls = process.calls
        assert calls["b2_authorize_account"] == 2
        assert calls["b2_upload_file"] == 1

        process.reset()
        process.faults.fail("b2_list_buckets", status=503, retry_after=0)
        assert [b.name for b in api.list_buckets()] == ["shared-bucket"]
        assert process.calls["b2_list_buckets"] == 2
        assert process.faults.as_dict()["failures"] == []

    # Another server process on the same directory has the data.
    with ServerProcess(data_dir=tmp_path, key_id="proc-key-id", key="proc-key") as again:
        api = make_api(again.realm, "proc-key-id", "proc-key")
        out = io.BytesIO()
        api.get_bucket_by_name("shared-bucket").download_file_by_name("from-child.txt").save(out)
        assert out.getvalue() == b"written by another process"


def test_cli_prints_a_machine_readable_first_line() -> None:
    command = [sys.executable, "-m", "django_backblaze_b2.testing.server", "--port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as child:
        try:
            assert child.stdout is not None
            info = json.loads(child.stdout.readline())
            assert info["key_id"] == "dev-key-id"
            assert info["key"] == "dev-application-key"
            assert info["realm"] == f"http://127.0.0.1:{info['port']}"
            assert info["data_dir"] is None
            api = make_api(info["realm"], info["key_id"], info["key"])
            assert api.list_buckets() == []
        finally:
            child.terminate()
            child.wait(timeout=10)
        assert child.returncode == 0  # SIGTERM is a clean stop
