"""The local B2 server in a process of its own, with the files the big-file scenarios read.

The in-process simulator keeps every stored byte in the memory of the process under test, so
memory is measured against ``python -m django_backblaze_b2.testing.server`` instead: all three
contenders reach it over HTTP with ``realm="http://127.0.0.1:PORT"``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import IO

from .endpoints import BUCKET, MARK_KEY, ROOT, B2Endpoint
from .measure import MIB

SERVER_MODULE = "django_backblaze_b2.testing.server"
_START_TIMEOUT = 60


def available() -> bool:
    try:
        return importlib.util.find_spec(SERVER_MODULE) is not None
    except ModuleNotFoundError:
        return False


class LocalB2Server:
    """``with LocalB2Server(log) as server:`` a running server with an empty private bucket."""

    def __init__(self, log_path: Path) -> None:
        self._log_path = log_path
        self._process: subprocess.Popen[str] | None = None
        self._log: IO[str] | None = None
        self.endpoint: B2Endpoint | None = None

    def __enter__(self) -> LocalB2Server:
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self._log_path, "w")  # closed in __exit__
        self._process = subprocess.Popen(
            [sys.executable, "-m", SERVER_MODULE, "--port", "0"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        assert self._process.stdout is not None
        # Its first line is JSON for programs: realm, port, key id, key.
        first_line = self._process.stdout.readline()
        if not first_line:
            self.__exit__(None, None, None)
            raise RuntimeError(f"the local B2 server did not start; see {self._log_path}")
        info = json.loads(first_line)
        self.endpoint = B2Endpoint(info["realm"], info["key_id"], info["key"])
        self.endpoint.authorized_api().create_bucket(BUCKET, "allPrivate")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._log is not None:
            self._log.close()

    def worker_endpoint(self) -> dict[str, str]:
        assert self.endpoint is not None
        return {"realm": self.endpoint.realm, "key_id": self.endpoint.key_id, "key": self.endpoint.key}

    def upload(self, path: Path, name: str, route: str = "logged_in") -> None:
        """Upload a file with the access mark of ``route`` (what its proxied storage would write)."""
        assert self.endpoint is not None
        bucket = self.endpoint.authorized_api().get_bucket_by_name(BUCKET)
        bucket.upload_local_file(str(path), name, file_info={MARK_KEY: route})

    def upload_bytes(self, data: bytes, name: str, route: str = "logged_in") -> None:
        assert self.endpoint is not None
        self.endpoint.authorized_api().get_bucket_by_name(BUCKET).upload_bytes(data, name, file_info={MARK_KEY: route})

    def delete(self, name: str) -> None:
        assert self.endpoint is not None
        self.endpoint.delete_all(name)


def fixture_file(directory: Path, size_mib: int) -> Path:
    """A file of ``size_mib`` MiB of random bytes (made once, kept between runs)."""
    path = directory / f"large-{size_mib}MiB.bin"
    if path.exists() and path.stat().st_size == size_mib * MIB:
        return path
    directory.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as file:
        for _ in range(size_mib):
            file.write(os.urandom(MIB))
    return path
