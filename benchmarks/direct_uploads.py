"""``python -m benchmarks.direct_uploads [--mib 256] [--mib 1024]``: what a large upload costs Django,
direct to B2 versus through Django.

The sample app runs under gunicorn with one worker, on a local B2 server process (over HTTP, as
against Backblaze). For each size, a file is uploaded to the /large-uploads/ form twice:

- through Django: one multipart POST, streamed from disk; the worker spools it to a temporary file
  and uploads that to B2 in parts;
- direct: what direct-upload.js does (begin, a part URL per connection, the parts straight to B2 with
  four connections, complete), then the form POST with the reference; the worker moves the file
  server-side.

Printed per way and size: requests Django served, the worker's peak resident memory above its
resting level (sampled every 20 ms), and its CPU seconds. Speeds are not compared: on one machine the
local B2 server shares the CPU with everything else.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import io
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from .processes import rss_bytes
from .sample_deployment import Deployment, Visitor, deploy, prepare_database

MIB = 1024 * 1024
CONNECTIONS = 4
TICKET = re.compile(r'data-b2-ticket="([^"]+)"')


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Worker:
    """The gunicorn worker's memory and CPU around one upload."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()

    @contextmanager
    def watched(self) -> Iterator[Worker]:
        self.resting = rss_bytes(self.pid)
        self.peak = self.resting
        cpu_before = cpu_seconds(self.pid)
        sampler = threading.Thread(target=self._sample, daemon=True)
        sampler.start()
        try:
            yield self
        finally:
            self._stop.set()
            sampler.join()
            self.cpu = cpu_seconds(self.pid) - cpu_before

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_bytes(self.pid))


class MultipartFile:
    """A multipart/form-data body with one file, read from disk as it is sent (requests streams any
    object with ``read`` and a length, with Content-Length set)."""

    BOUNDARY = "benchmark-boundary-7f3a9c"

    def __init__(self, path: Path, csrf: str) -> None:
        head = (
            f'--{self.BOUNDARY}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{csrf}\r\n'
            f'--{self.BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        tail = f"\r\n--{self.BOUNDARY}--\r\n".encode()
        self._parts: list[Any] = [io.BytesIO(head), path.open("rb"), io.BytesIO(tail)]
        self._length = len(head) + path.stat().st_size + len(tail)

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.BOUNDARY}"

    def __len__(self) -> int:
        return self._length

    def read(self, size: int = -1) -> bytes:
        size = MIB if size is None or size < 0 else size
        while self._parts:
            data = self._parts[0].read(size)
            if data:
                return bytes(data)
            self._parts.pop(0).close()
        return b""


def through_django(visitor: Visitor, path: Path) -> int:
    body = MultipartFile(path, visitor.csrf_token())
    response = visitor.session.post(
        f"{visitor.base_url}/large-uploads/",
        data=body,
        headers={"Content-Type": body.content_type, "Referer": visitor.base_url + "/"},
        timeout=3600,
    )
    if "Saved large/" not in response.text:
        raise RuntimeError(f"the upload through Django failed: {response.status_code}")
    return 2  # the form page for its CSRF token was fetched before measuring, so: the POST, and its redirect


def direct(visitor: Visitor, path: Path) -> int:
    page = visitor.get("/large-uploads/").text
    match = TICKET.search(page)
    if match is None:
        raise RuntimeError("the large-uploads page has no direct-upload widget")
    csrf = visitor.csrf_token()
    requests_made = 1

    def call(action: str, **body: Any) -> Any:
        nonlocal requests_made
        requests_made += 1
        response = visitor.session.post(
            f"{visitor.base_url}/b2-uploads/{action}",
            json=body,
            headers={"X-CSRFToken": csrf, "Referer": visitor.base_url + "/"},
            timeout=60,
        )
        response.raise_for_status()
        return response.json()

    size = path.stat().st_size
    grant = call("begin", ticket=html.unescape(match.group(1)), name=path.name, size=size, type="")
    part_size, count = grant["partSize"], grant["partCount"]
    sha1s: list[str] = [""] * count
    numbers = iter(range(1, count + 1))
    lock = threading.Lock()

    def connection() -> None:
        with lock:
            target = call("part-url", upload=grant["upload"])
        session = requests.Session()  # straight to B2: Django sees none of these
        with path.open("rb") as source:
            while True:
                with lock:
                    number = next(numbers, None)
                if number is None:
                    return
                source.seek((number - 1) * part_size)
                chunk = source.read(part_size)
                sha1s[number - 1] = hashlib.sha1(chunk).hexdigest()  # noqa: S324 - B2's part checksum
                answer = session.post(
                    target["uploadUrl"],
                    data=chunk,
                    headers={
                        "Authorization": target["authorizationToken"],
                        "X-Bz-Part-Number": str(number),
                        "X-Bz-Content-Sha1": sha1s[number - 1],
                    },
                    timeout=600,
                )
                answer.raise_for_status()

    with ThreadPoolExecutor(CONNECTIONS) as pool:
        for future in [pool.submit(connection) for _ in range(min(CONNECTIONS, count))]:
            future.result()
    finished = call("complete", upload=grant["upload"], partSha1Array=sha1s)
    saved = visitor.post("/large-uploads/", {"file__b2_upload": finished["finished"]})
    requests_made += 2  # the form POST and its redirect
    if "Saved large/" not in saved.text:
        raise RuntimeError("saving the direct upload failed")
    return requests_made


def measure(deployment: Deployment, path: Path) -> list[dict[str, Any]]:
    (pid,) = deployment.worker_pids()
    rows = []
    for way, upload in (("through Django", through_django), ("direct to B2", direct)):
        visitor = Visitor(deployment.base_url, "alice", timeout=3600)
        visitor.csrf_token()
        started = time.monotonic()
        with Worker(pid).watched() as worker:
            requests_made = upload(visitor, path)
        rows.append(
            {
                "way": way,
                "mib": path.stat().st_size // MIB,
                "requests": requests_made,
                "peak_mib": round((worker.peak - worker.resting) / MIB, 1),
                "cpu_seconds": round(worker.cpu, 2),
                "seconds": round(time.monotonic() - started, 1),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.direct_uploads", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--mib", type=int, action="append", help="file size in MiB (repeatable; default 256; 1024 for the 1 GB figure)"
    )
    arguments = parser.parse_args(argv)
    sizes = arguments.mib or [256]
    rows: list[dict[str, Any]] = []
    # A sync worker is killed after 30 s without a word to the master: an upload through Django is longer.
    os.environ.setdefault("GUNICORN_CMD_ARGS", "--timeout 1800")
    with tempfile.TemporaryDirectory(prefix="b2-direct-bench-") as scratch:
        workdir = Path(scratch)
        prepare_database(workdir)
        with deploy(workdir, workers=1) as deployment:
            for mib in sizes:
                path = workdir / f"upload-{mib}.bin"
                with path.open("wb") as out:
                    for _ in range(mib):
                        out.write(os.urandom(MIB))
                rows.extend(measure(deployment, path))
                path.unlink()
                print(f"measured {mib} MiB", file=sys.stderr, flush=True)
    print("| way | MiB | requests to Django | worker peak memory (MiB above rest) | worker CPU s | wall s |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['way']} | {row['mib']} | {row['requests']} | {row['peak_mib']} | {row['cpu_seconds']} "
            f"| {row['seconds']} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
