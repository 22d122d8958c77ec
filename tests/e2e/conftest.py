"""The sample app served by ``runserver`` with its own settings, driven by headless Chromium.

Chromium comes from the system (Debian's ``chromium`` package; ``make test`` installs it when it
can): Playwright's own browser download is not used. Without Chromium these tests are skipped
locally, and fail under ``CI=true``, so CI can never pass without running them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_APP = ROOT / "sample_app"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT = 60


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if os.access(path, os.X_OK):
        return path
    reason = "Chromium is not installed (apt-get install chromium, or make test as root on Debian)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}: end-to-end tests must run in CI.", pytrace=False)
    pytest.skip(reason)


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


@contextmanager
def background(command: list[str], env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A process of the sample app (a web server, a task worker) for the duration of a block; its
    output is kept in test-artifacts/."""
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
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(log_path, ARTIFACTS / f"e2e-{log_path.name}")


@pytest.fixture(scope="session")
def prepared_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database as ``make run`` leaves it before serving (migrated, demo users), made once."""
    workdir = tmp_path_factory.mktemp("prepared")
    env = sample_environment(workdir)
    manage(env, "migrate", "--noinput")
    manage(env, "demo_users")
    return workdir / "db.sqlite3"


def sample_workdir(tmp_path_factory: pytest.TempPathFactory, prepared_database: Path, name: str) -> Path:
    """A directory with a copy of the prepared database, for one sample deployment."""
    workdir = tmp_path_factory.mktemp(name)
    shutil.copy(prepared_database, workdir / "db.sqlite3")
    return workdir


@pytest.fixture(scope="session")
def sample_server(tmp_path_factory: pytest.TempPathFactory, prepared_database: Path) -> Iterator[str]:
    """Base URL of the sample app under ``runserver``, set up as ``make run`` does."""
    chromium_path()  # no browser, no point starting a server
    workdir = sample_workdir(tmp_path_factory, prepared_database, "runserver")
    env = sample_environment(workdir)
    base_url = f"http://127.0.0.1:{free_port()}"
    command = [sys.executable, "manage.py", "runserver", base_url.removeprefix("http://"), "--noreload"]
    with background(command, env, workdir / "runserver.log") as server:
        wait_until_serving(base_url, server, workdir / "runserver.log")
        yield base_url


def wait_until_serving(base_url: str, server: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"The sample app's server stopped:\n{log_path.read_text()}", pytrace=False)
        try:
            with urllib.request.urlopen(base_url + "/", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"The sample app did not answer within {SERVER_START_TIMEOUT}s:\n{log_path.read_text()}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    return report


CALL_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def new_page(browser: Any, sample_server: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Makes pages, each in a browser context of its own (one per user); failing tests leave a screenshot
    of each in test-artifacts/."""
    contexts: list[Any] = []

    def make() -> Any:
        context = browser.new_context(base_url=sample_server, accept_downloads=True)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    if request.node.stash.get(CALL_FAILED, False):
        ARTIFACTS.mkdir(exist_ok=True)
        for number, context in enumerate(contexts):
            for page in context.pages:
                page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{number}.png"), full_page=True)
    for context in contexts:
        context.close()
