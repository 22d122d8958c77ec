"""The sample app as deployed: gunicorn workers (and, if asked, the task worker) on a local B2 server
in a process of its own, talking HTTP on loopback as they would to Backblaze.

Used by the end-to-end tests (``tests/e2e``), the load test (``tests/reliability/test_load.py``) and
``python -m benchmarks.load``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from django_backblaze_b2.testing.server import LocalB2Server, ServerProcess

from .processes import children

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_APP = ROOT / "sample_app"
SERVER_START_TIMEOUT = 60
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class DeploymentError(RuntimeError):
    """The sample app did not start (the message carries its log)."""


def demo_password(username: str) -> str:
    """The password of one of the sample's demo users (alice, bob, staff)."""
    if str(SAMPLE_APP) not in sys.path:
        sys.path.append(str(SAMPLE_APP))  # run as ``python -m benchmarks.load``: pytest puts it there itself
    from showcase.demo import DEMO_USERS

    return next(demo.password for demo in DEMO_USERS if demo.username == username)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sample_environment(workdir: Path) -> dict[str, str]:
    """The sample on its embedded simulated B2, whatever the developer's shell says about B2."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("B2_", "DJANGO_", "SAMPLE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="sample_project.settings",
        SAMPLE_DATABASE_PATH=str(workdir / "db.sqlite3"),
        SAMPLE_VAR_DIR=str(workdir / "var"),
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env: dict[str, str], *args: str, **kwargs: Any) -> Any:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=SAMPLE_APP, env=env, check=True, capture_output=True, **kwargs
    )


def prepare_database(workdir: Path) -> Path:
    """A database in ``workdir`` as ``make run`` leaves it before serving: migrated, with the demo users."""
    env = sample_environment(workdir)
    manage(env, "migrate", "--noinput")
    manage(env, "demo_users")
    return workdir / "db.sqlite3"


@contextmanager
def background(
    command: list[str], env: dict[str, str], log_path: Path, keep_log_as: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A process of the sample app (a web server, a task worker) for the duration of a block; its output
    goes to ``log_path``, copied to ``keep_log_as`` at the end when given."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=SAMPLE_APP, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        if keep_log_as is not None:
            keep_log_as.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(log_path, keep_log_as)


def wait_until_serving(base_url: str, server: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise DeploymentError(f"The sample app's server stopped:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(base_url + "/", timeout=2) as response:  # noqa: S310 (http://127.0.0.1)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise DeploymentError(f"The sample app did not answer within {SERVER_START_TIMEOUT}s:\n{log_path.read_text()}")


@dataclass(frozen=True)
class Deployment:
    base_url: str
    workdir: Path
    b2: ServerProcess
    gunicorn: subprocess.Popen[bytes]

    def worker_pids(self) -> list[int]:
        """The gunicorn workers' process ids (the master's children), from /proc."""
        return children(self.gunicorn.pid)


@contextmanager
def deploy(
    workdir: Path, *, workers: int = 3, tasks: str = "immediate", keep_logs_in: Path | None = None, prefix: str = ""
) -> Iterator[Deployment]:
    """The sample app under gunicorn with ``workers`` workers on a local B2 server process, serving on a
    free loopback port; with ``tasks="database"`` the task worker runs too. ``workdir`` holds the database
    (see :func:`prepare_database`) and the logs, copied to ``keep_logs_in`` as ``<prefix><name>.log``."""
    with LocalB2Server.spawn() as b2, ExitStack() as processes:
        env = {**sample_environment(workdir), "B2_REALM": b2.realm, "SAMPLE_TASKS": tasks}
        base_url = f"http://127.0.0.1:{free_port()}"
        bind = base_url.removeprefix("http://")
        commands = {
            "gunicorn": [sys.executable, "-m", "gunicorn", "sample_project.wsgi", "-w", str(workers), "-b", bind]
        }
        if tasks == "database":
            commands["db_worker"] = [sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-reload"]
        started = {}
        for name, command in commands.items():
            log_path = workdir / f"{name}.log"
            kept = keep_logs_in / f"{prefix}{log_path.name}" if keep_logs_in is not None else None
            started[name] = processes.enter_context(background(command, env, log_path, kept))
        wait_until_serving(base_url, started["gunicorn"], workdir / "gunicorn.log")
        yield Deployment(base_url, workdir, b2, started["gunicorn"])


class Visitor:
    """A browser's session on the deployment: its cookies and CSRF token, logged in or not."""

    def __init__(self, base_url: str, username: str | None = None, timeout: float = 30) -> None:
        self.base_url = base_url
        self.username: str | None = None
        self.timeout = timeout
        self.session = requests.Session()
        self._csrf_token: str | None = None
        if username is not None:
            page = self.post(
                "/accounts/login/", {"username": username, "password": demo_password(username), "next": "/"}
            )
            if f'<strong id="username">{username}</strong>' not in page.text:
                raise DeploymentError(f"{username} could not log in to the sample app")
            self.username = username
            self._csrf_token = None  # logging in rotates it

    def twin(self) -> Visitor:
        """Another session with this one's cookies (logged in as the same user), for another thread:
        a ``requests.Session`` is not shared between threads, and logging in again costs a password hash."""
        other = Visitor(self.base_url, timeout=self.timeout)
        other.username = self.username
        other.session.cookies.update(self.session.cookies)
        other._csrf_token = self._csrf_token
        return other

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.get(self.base_url + path, timeout=self.timeout, **kwargs)

    def head(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.head(self.base_url + path, timeout=self.timeout, **kwargs)

    def csrf_token(self) -> str:
        """A token for this session's forms (any page with a form gives one: the login page, or the
        home page's export form once logged in)."""
        if self._csrf_token is None:
            match = CSRF.search(self.get("/accounts/login/" if self.username is None else "/").text)
            if match is None:
                raise DeploymentError("the sample's page has no CSRF token")
            self._csrf_token = match.group(1)
        return self._csrf_token

    def post(self, path: str, data: dict[str, str], **kwargs: Any) -> requests.Response:
        data = {**data, "csrfmiddlewaretoken": self.csrf_token()}
        headers = {"Referer": self.base_url + "/"}
        return self.session.post(self.base_url + path, data=data, headers=headers, timeout=self.timeout, **kwargs)
