"""The server in a child process (``python -m django_backblaze_b2.testing.server --port 0``)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from django_backblaze_b2.testing.server import LocalB2Server, ServerProcess
from django_backblaze_b2.testing.simulator import MB

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


def peak_memory(pid: int) -> int:
    """The process's peak resident memory (VmHWM), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads peak memory from /proc (Linux)")
def test_memory_stays_bounded_whatever_is_stored(tmp_path: Path) -> None:
    """60 MB uploaded in parts and downloaded again: the server's peak memory grows by far less."""
    size = 12 * 5 * MB
    source = tmp_path / "big.bin"
    with source.open("wb") as out:
        for _ in range(size // MB):
            out.write(os.urandom(MB))
    with ServerProcess(data_dir=tmp_path / "data", recommended_part_size=5 * MB) as process:
        assert process.process is not None
        api = make_api(process.realm, process.key_id, process.key)
        bucket = api.create_bucket("memory-bucket", "allPrivate")
        bucket.upload_bytes(b"warm up", "small.txt")
        before = peak_memory(process.process.pid)
        bucket.upload_local_file(str(source), "big.bin")
        assert process.calls["b2_upload_part"] == 12
        bucket.download_file_by_name("big.bin").save_to(str(tmp_path / "back.bin"))
        grown = peak_memory(process.process.pid) - before
    assert (tmp_path / "back.bin").read_bytes() == source.read_bytes()
    assert grown < 20 * MB, f"the server's peak memory grew by {grown / MB:.0f} MB for {size / MB:.0f} MB stored"
