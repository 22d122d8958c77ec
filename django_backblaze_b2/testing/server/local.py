"""Starting and stopping a local B2 server from Python: in a thread of this process
(:class:`LocalB2Server`) or in a child process (:class:`ServerProcess`)."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from typing_extensions import Self

from ..simulator import MB, CallLog
from .faults import FaultControl, Faults
from .handlers import B2HTTPServer, create_server

DEFAULT_KEY_ID = "dev-key-id"
DEFAULT_KEY = "dev-application-key"  # a development credential, printed at start
DAY = 24 * 60 * 60


class B2ServerBase(ABC):
    """What a running local B2 server offers, wherever it runs: its address and credentials, its
    call counts and faults, and ``with`` to start and stop it."""

    def __init__(
        self,
        port: int = 0,
        data_dir: str | Path | None = None,
        *,
        key_id: str = DEFAULT_KEY_ID,
        key: str = DEFAULT_KEY,
        recommended_part_size: int = 100 * MB,
    ) -> None:
        self.requested_port = port
        self.data_dir = data_dir
        self.key_id = key_id
        self.key = key
        self.recommended_part_size = recommended_part_size

    @abstractmethod
    def start(self) -> Self: ...

    @abstractmethod
    def stop(self) -> None: ...

    @property
    @abstractmethod
    def running(self) -> bool: ...

    @property
    @abstractmethod
    def port(self) -> int: ...

    @property
    def realm(self) -> str:
        """The URL to authorize against, e.g. ``"http://127.0.0.1:8001"``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    @abstractmethod
    def calls(self) -> CallLog:
        """Calls received, by B2 API name (injected failures included)."""

    @property
    @abstractmethod
    def faults(self) -> FaultControl: ...

    @abstractmethod
    def reset(self) -> None:
        """Forget call counts and faults (the data stays)."""

    def __enter__(self) -> Self:
        return self if self.running else self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


class LocalB2Server(B2ServerBase):
    """B2's native API on 127.0.0.1, served from a thread of this process.

    >>> with LocalB2Server(recommended_part_size=5 * MB) as server:
    ...     api.authorize_account(server.realm, server.key_id, server.key)
    """

    def __init__(
        self,
        port: int = 0,
        data_dir: str | Path | None = None,
        *,
        key_id: str = DEFAULT_KEY_ID,
        key: str = DEFAULT_KEY,
        recommended_part_size: int = 100 * MB,
        token_ttl: float = DAY,
        verbose: bool = False,
    ) -> None:
        super().__init__(port, data_dir, key_id=key_id, key=key, recommended_part_size=recommended_part_size)
        self.token_ttl = token_ttl
        self.verbose = verbose
        self._server: B2HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("the server is running already")
        server = create_server(
            self.requested_port,
            key_id=self.key_id,
            key=self.key,
            data_dir=self.data_dir,
            recommended_part_size=self.recommended_part_size,
            token_ttl=self.token_ttl,
            verbose=self.verbose,
        )
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"b2-server-{server.port}", daemon=True
        )
        thread.start()
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._server = self._thread = None
        server.shutdown()
        server.close_connections()
        server.server_close()
        thread.join(timeout=10)
        server.backend.close()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def server(self) -> B2HTTPServer:
        if self._server is None:
            raise RuntimeError("the server is not running")
        return self._server

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def calls(self) -> CallLog:
        return self.server.calls

    @property
    def faults(self) -> Faults:
        return self.server.faults

    @property
    def simulator(self) -> Any:
        """The ``RawSimulator`` holding the data (take ``server.backend.lock`` to touch it)."""
        return self.server.backend.simulator

    def reset(self) -> None:
        self.server.calls.clear()
        self.server.faults.clear()

    @classmethod
    def spawn(
        cls,
        port: int = 0,
        data_dir: str | Path | None = None,
        *,
        key_id: str = DEFAULT_KEY_ID,
        key: str = DEFAULT_KEY,
        recommended_part_size: int = 100 * MB,
        startup_timeout: float = 30.0,
    ) -> ServerProcess:
        """The same server in a child process (``python -m django_backblaze_b2.testing.server``), started."""
        return ServerProcess(
            port,
            data_dir,
            key_id=key_id,
            key=key,
            recommended_part_size=recommended_part_size,
            startup_timeout=startup_timeout,
        ).start()


def _control(realm: str, method: str, action: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body if body is not None else {}).encode() if method == "POST" else None
    request = urllib.request.Request(  # noqa: S310 (always http://127.0.0.1)
        f"{realm}/_control/{action}", data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            detail = error.read().decode(errors="replace")
        raise RuntimeError(f"/_control/{action}: {error.code} {detail}") from None


class RemoteFaults(FaultControl):
    """The faults of a server in another process, through ``POST /_control/faults``."""

    def __init__(self, realm: str) -> None:
        self.realm = realm

    def command(self, command: dict[str, Any]) -> dict[str, Any]:
        return _control(self.realm, "POST", "faults", command)  # type: ignore[no-any-return]

    def as_dict(self) -> dict[str, Any]:
        return _control(self.realm, "GET", "faults")  # type: ignore[no-any-return]


class ServerProcess(B2ServerBase):
    """A local B2 server in a child process; its counts and faults go through ``/_control/``."""

    def __init__(
        self,
        port: int = 0,
        data_dir: str | Path | None = None,
        *,
        key_id: str = DEFAULT_KEY_ID,
        key: str = DEFAULT_KEY,
        recommended_part_size: int = 100 * MB,
        python: str = sys.executable,
        startup_timeout: float = 30.0,
    ) -> None:
        super().__init__(port, data_dir, key_id=key_id, key=key, recommended_part_size=recommended_part_size)
        self.python = python
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[str] | None = None
        self.info: dict[str, Any] = {}

    def command(self) -> list[str]:
        command = [self.python, "-m", "django_backblaze_b2.testing.server", "--port", str(self.requested_port)]
        command += ["--key-id", self.key_id, "--key", self.key]
        command += ["--recommended-part-size", str(self.recommended_part_size)]
        if self.data_dir is not None:
            command += ["--data-dir", str(self.data_dir)]
        return command

    def start(self) -> Self:
        if self.process is not None:
            raise RuntimeError("the server process is running already")
        environment = dict(os.environ)
        package_root = str(Path(__file__).resolve().parents[3])
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, environment.get("PYTHONPATH")]))
        environment["PYTHONUNBUFFERED"] = "1"
        process = subprocess.Popen(  # noqa: S603
            self.command(), stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=environment
        )
        assert process.stdout is not None
        self.process = process
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True).start()
        try:
            first = lines.get(timeout=self.startup_timeout)
            self.info = json.loads(first)
        except (queue.Empty, ValueError) as exc:
            self.stop()
            raise RuntimeError(f"the B2 server process did not start: {exc!r}") from exc
        if not self.info:
            self.stop()
            raise RuntimeError("the B2 server process exited before it started serving")
        return self

    def stop(self, timeout: float = 10.0) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=timeout)
        if process.stdout is not None:
            process.stdout.close()

    @property
    def running(self) -> bool:
        return self.process is not None

    @property
    def port(self) -> int:
        return int(self.info["port"])

    @property
    def calls(self) -> CallLog:
        """A snapshot of the calls the process received, by B2 API name."""
        log = CallLog()
        log.counts.update(_control(self.realm, "GET", "calls")["counts"])
        return log

    @property
    def faults(self) -> RemoteFaults:
        return RemoteFaults(self.realm)

    def reset(self) -> None:
        _control(self.realm, "POST", "reset")


def _pump(stream: IO[str], lines: queue.Queue[str]) -> None:
    """Hand over the first line; keep reading the rest so the child never blocks on a full pipe."""
    first = True
    for line in stream:
        if first:
            lines.put(line)
            first = False
        elif os.environ.get("B2_SERVER_ECHO"):
            sys.stderr.write(line)
    if first:
        lines.put("{}")
