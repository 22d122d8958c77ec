"""The sample app served by ``runserver`` with its own settings, driven by headless Chromium.

Chromium comes from the system (Debian's ``chromium`` package; ``make test`` installs it when it
can): Playwright's own browser download is not used. Without Chromium these tests are skipped
locally, and fail under ``CI=true``, so CI can never pass without running them.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.sample_deployment import (
    ROOT,
    background,
    free_port,
    prepare_database,
    sample_environment,
    wait_until_serving,
)

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


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if os.access(path, os.X_OK):
        return path
    reason = "Chromium is not installed (apt-get install chromium, or make test as root on Debian)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}: end-to-end tests must run in CI.", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def prepared_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database as ``make run`` leaves it before serving (migrated, demo users), made once."""
    return prepare_database(tmp_path_factory.mktemp("prepared"))


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
    log_path = workdir / "runserver.log"
    with background(command, env, log_path, keep_log_as=ARTIFACTS / f"e2e-{log_path.name}") as server:
        wait_until_serving(base_url, server, log_path)
        yield base_url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium for one test module. Not longer: Playwright's sync API keeps an event loop
    running in this thread while it is open, and Django refuses database work in a thread that has
    one, which would break the test modules that come after."""
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
