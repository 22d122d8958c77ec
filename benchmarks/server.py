"""``python -m benchmarks server [--stored-mb 64] [--files 1000] [--cli-mb 32]``: the local B2 server itself.

* resident memory of the server process with that much stored (``--stored-mb 1024 4096``), uploaded
  in 100 MB files, each in parts;
* per-call latency with that many files in one bucket (``--files 1000 100000``): the bucket is filled
  straight into a data directory, then a server process is started on it and called over HTTP;
* upload and download throughput of the ``b2`` command-line tool (``make b2cli``), when installed.

Figures print as a table and go to ``bench-results/server.json``. The machine is shared and noisy:
compare orders of magnitude, not digits.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from b2sdk.v2 import B2Api, InMemoryAccountInfo

from django_backblaze_b2.testing.server import B2Backend, ServerProcess
from django_backblaze_b2.testing.server.blobs import EMPTY
from django_backblaze_b2.testing.server.persistence import Changes
from django_backblaze_b2.testing.simulator import MB

from .endpoints import ROOT

PART = 5 * MB
FILE_MB = 100  # the stored data goes up in files of this size
KEY_ID, KEY = "bench-key-id", "bench-key"
EMPTY_SHA1, EMPTY_MD5 = hashlib.sha1(b"").hexdigest(), hashlib.md5(b"").hexdigest()  # noqa: S324


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks server", description=__doc__)
    parser.add_argument("--stored-mb", type=int, nargs="*", default=[64], help="data stored, in MB (default 64)")
    parser.add_argument("--files", type=int, nargs="*", default=[1000], help="files in the bucket (default 1000)")
    parser.add_argument("--calls", type=int, default=50, help="calls of each kind per measurement (default 50)")
    parser.add_argument("--cli-mb", type=int, default=32, help="b2 CLI upload/download size in MB (0: skip)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results", help="where server.json goes")
    return parser.parse_args(argv)


def _status(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _api(server: ServerProcess) -> B2Api:
    api = B2Api(InMemoryAccountInfo())
    api.authorize_account(server.realm, server.key_id, server.key)
    return api


def resident_memory(stored_mb: int, work: Path) -> dict[str, Any]:
    """The server's memory once ``stored_mb`` MB are stored (and one file read back)."""
    fixture = work / "fixture.bin"
    size = min(stored_mb, FILE_MB) * MB
    with fixture.open("wb") as out:
        for _ in range(size // MB):
            out.write(os.urandom(MB))
    with ServerProcess(
        data_dir=work / f"memory-{stored_mb}", key_id=KEY_ID, key=KEY, recommended_part_size=PART
    ) as server:
        assert server.process is not None
        pid = server.process.pid
        bucket = _api(server).create_bucket("memory-bench", "allPrivate")
        idle = _status(pid, "VmRSS")
        started = time.perf_counter()
        for number in range(max(1, stored_mb // FILE_MB)):
            bucket.upload_local_file(str(fixture), f"stored/{number:04d}.bin")
        took = time.perf_counter() - started
        bucket.download_file_by_name("stored/0000.bin").save_to(str(work / "read-back.bin"))
        return {
            "stored_mb": stored_mb,
            "idle_rss_mb": round(idle / MB, 1),
            "rss_mb": round(_status(pid, "VmRSS") / MB, 1),
            "peak_rss_mb": round(_status(pid, "VmHWM") / MB, 1),
            "upload_mb_s": round(stored_mb / took, 1),
        }


def fill(directory: Path, files: int) -> None:
    """A data directory whose bucket holds ``files`` (empty) files, written without HTTP."""
    backend = B2Backend("http://127.0.0.1:1", KEY_ID, KEY, data_dir=directory)
    basic = "Basic " + base64.b64encode(f"{KEY_ID}:{KEY}".encode()).decode()
    token = backend.call("b2_authorize_account", "v4", basic, {})["authorizationToken"]
    backend.call("b2_create_bucket", "v4", token, {"bucketName": "latency-bench", "bucketType": "allPrivate"})
    bucket = backend.simulator.bucket_name_to_bucket["latency-bench"]
    changes = Changes()
    for number in range(files):
        name = f"files/{number % 100:02d}/{number:07d}.txt"
        changes.file(bucket.store_file(name, EMPTY, EMPTY_SHA1, EMPTY_MD5, "text/plain", {}, None, None, None, None))
    backend.save(changes)
    backend.close()


def _timed(calls: int, run: Callable[[int], object]) -> dict[str, float]:
    seconds = []
    for number in range(calls):
        started = time.perf_counter()
        run(number)
        seconds.append(time.perf_counter() - started)
    seconds.sort()
    return {
        "median_ms": round(statistics.median(seconds) * 1000, 2),
        "p95_ms": round(seconds[int(len(seconds) * 0.95) - 1] * 1000, 2),
    }


def latency(files: int, calls: int, work: Path) -> dict[str, Any]:
    directory = work / f"latency-{files}"
    started = time.perf_counter()
    fill(directory, files)
    filled = time.perf_counter() - started
    started = time.perf_counter()
    with ServerProcess(data_dir=directory, key_id=KEY_ID, key=KEY) as server:
        loaded = time.perf_counter() - started
        api = _api(server)
        bucket = api.get_bucket_by_name("latency-bench")
        session = api.session

        def name(number: int) -> str:
            picked = (number * 7919) % files
            return f"files/{picked % 100:02d}/{picked:07d}.txt"

        result: dict[str, Any] = {"files": files, "fill_s": round(filled, 1), "start_s": round(loaded, 1)}
        result["get_file_info_by_name (HEAD)"] = _timed(calls, lambda n: bucket.get_file_info_by_name(name(n)))
        result["download_file_by_name"] = _timed(
            calls, lambda n: bucket.download_file_by_name(name(n)).save(io.BytesIO())
        )
        result["list_file_versions (one name)"] = _timed(
            calls, lambda n: session.list_file_versions(bucket.id_, name(n), None, 1, name(n))
        )
        result["list_file_names (100)"] = _timed(
            calls, lambda n: session.list_file_names(bucket.id_, name(n), 100, None)
        )
        result["upload_file (1 KB)"] = _timed(calls, lambda n: bucket.upload_bytes(b"x" * 1000, f"new/{n}.txt"))
        versions = [bucket.get_file_info_by_name(f"new/{n}.txt") for n in range(calls)]
        result["delete_file_version"] = _timed(
            calls, lambda n: bucket.delete_file_version(versions[n].id_, versions[n].file_name)
        )
    return result


def b2_cli_throughput(size_mb: int, work: Path) -> dict[str, Any]:
    b2 = os.environ.get("B2_CLI") or shutil.which(str(ROOT / ".venv-b2cli" / "bin" / "b2")) or shutil.which("b2")
    if not b2 or size_mb <= 0:
        return {"outcome": "n/a", "reason": "no b2 CLI (make b2cli)" if not b2 else "skipped"}
    source = work / "cli.bin"
    with source.open("wb") as out:
        for _ in range(size_mb):
            out.write(os.urandom(MB))
    with ServerProcess(data_dir=work / "cli", key_id=KEY_ID, key=KEY, recommended_part_size=PART) as server:
        environment = {
            **os.environ,
            "HOME": str(work),
            "B2_ENVIRONMENT": server.realm,
            "B2_APPLICATION_KEY_ID": KEY_ID,
            "B2_APPLICATION_KEY": KEY,
            "B2_ACCOUNT_INFO": str(work / "b2-account.sqlite"),
        }

        def run(*arguments: str) -> float:
            started = time.perf_counter()
            subprocess.run([b2, *arguments], env=environment, check=True, capture_output=True, timeout=900)
            return time.perf_counter() - started

        run("bucket", "create", "cli-bench", "allPrivate")
        upload = run("file", "upload", "--no-progress", "cli-bench", str(source), "cli.bin")
        download = run("file", "download", "--no-progress", "b2://cli-bench/cli.bin", str(work / "cli-back.bin"))
    return {
        "size_mb": size_mb,
        "upload_mb_s": round(size_mb / upload, 1),
        "download_mb_s": round(size_mb / download, 1),
    }


def main(argv: list[str]) -> int:
    arguments = parse_arguments(argv)
    results: dict[str, Any] = {"memory": [], "latency": [], "b2_cli": None}
    with tempfile.TemporaryDirectory(prefix="b2-server-bench-") as temporary:
        work = Path(temporary)
        for stored in arguments.stored_mb:
            print(f"memory with {stored} MB stored ...", file=sys.stderr, flush=True)
            results["memory"].append(resident_memory(stored, work))
        for files in arguments.files:
            print(f"latency with {files} files ...", file=sys.stderr, flush=True)
            results["latency"].append(latency(files, arguments.calls, work))
        print("b2 CLI throughput ...", file=sys.stderr, flush=True)
        results["b2_cli"] = b2_cli_throughput(arguments.cli_mb, work)
    lines = ["Local B2 server (python -m django_backblaze_b2.testing.server, a process of its own)", ""]
    lines.append("| stored | idle RSS | RSS after | peak RSS | upload MB/s |")
    lines.append("| ---: | ---: | ---: | ---: | ---: |")
    for row in results["memory"]:
        figures = [f"{row[k]} MB" for k in ("stored_mb", "idle_rss_mb", "rss_mb", "peak_rss_mb")]
        lines.append(f"| {' | '.join(figures)} | {row['upload_mb_s']} |")
    for row in results["latency"]:
        lines += [
            "",
            f"{row['files']} files in the bucket (filled in {row['fill_s']} s; server started in {row['start_s']} s)",
            "",
        ]
        lines += ["| call | median ms | p95 ms |", "| --- | ---: | ---: |"]
        for call, figures in row.items():
            if isinstance(figures, dict):
                lines.append(f"| {call} | {figures['median_ms']} | {figures['p95_ms']} |")
    cli = results["b2_cli"]
    lines.append("")
    if cli.get("outcome") == "n/a":
        lines.append(f"b2 CLI: n/a ({cli['reason']})")
    else:
        upload, download = cli["upload_mb_s"], cli["download_mb_s"]
        size = cli["size_mb"]
        lines.append(f"b2 CLI (each run's start included), {size} MB: upload {upload} MB/s, download {download} MB/s")
    text = "\n".join(lines)
    arguments.out.mkdir(parents=True, exist_ok=True)
    (arguments.out / "server.json").write_text(json.dumps(results, indent=2) + "\n")
    print(text)
    return 0
