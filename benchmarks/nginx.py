"""The system's nginx in front of a Django server, with the offload location: for the offload tests
(``tests/views/test_offload.py``) and the concurrency benchmarks."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django_backblaze_b2.http import nginx_location

START_TIMEOUT = 20


def nginx_binary() -> str | None:
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def config(workdir: Path, port: int, upstream: str, location: str, workers: int = 1) -> str:
    """An nginx configuration serving ``127.0.0.1:port`` from ``upstream``, with the offload location."""
    temp = "\n".join(
        f"    {kind}_temp_path {workdir / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    offload = "\n".join("        " + line for line in nginx_location(location, resolver="127.0.0.1").splitlines())
    return f"""
worker_processes {workers};
pid {workdir / "nginx.pid"};
error_log {workdir / "error.log"} info;
events {{ worker_connections 256; }}
http {{
    access_log off;
{temp}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass {upstream};
            proxy_set_header Host $host;
        }}
{offload}
    }}
}}
"""


@contextmanager
def running(workdir: Path, upstream: str, location: str, workers: int = 1) -> Iterator[tuple[str, int]]:
    """nginx in front of ``upstream`` for a ``with`` block: its URL and its master's pid."""
    binary = nginx_binary()
    if binary is None:
        raise FileNotFoundError("nginx is not installed (apt-get install nginx)")
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    path = workdir / "nginx.conf"
    path.write_text(config(workdir, port, upstream, location, workers))
    with open(workdir / "stderr.log", "wb") as stderr:
        process = subprocess.Popen(
            [binary, "-p", str(workdir), "-c", str(path), "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=stderr
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"nginx did not start: {(workdir / 'stderr.log').read_text()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not listen within {START_TIMEOUT} s") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
