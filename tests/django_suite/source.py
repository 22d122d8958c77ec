"""Fetch ``tests/file_storage`` from the sdist of the installed Django, once per version."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import django

CACHE = Path(__file__).resolve().parents[2] / ".cache" / "django-tests"
SUITE = "tests/file_storage"


class UnavailableError(Exception):
    """Django's sdist could not be fetched (no network, no pip)."""


def file_storage_tests() -> Path:
    """The folder holding Django's ``tests/file_storage`` for ``django.__version__``."""
    version = django.__version__
    target = CACHE / f"django-{version}" / "file_storage"
    if (target / "tests.py").is_file():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as work:
        sdist = _download(version, Path(work))
        extracted = Path(work) / "file_storage"
        prefix = f"{sdist.name.removesuffix('.tar.gz')}/{SUITE}/"
        with tarfile.open(sdist) as archive:
            members = [
                member
                for member in archive.getmembers()
                if member.name.startswith(prefix) and member.isfile() and ".." not in member.name.split("/")
            ]
            if not members:
                raise UnavailableError(f"{sdist.name} has no {SUITE}/.")
            extracted.mkdir()
            for member in members:
                source = archive.extractfile(member)
                assert source is not None
                (extracted / member.name[len(prefix) :]).parent.mkdir(parents=True, exist_ok=True)
                (extracted / member.name[len(prefix) :]).write_bytes(source.read())
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(extracted, target)  # atomic: a concurrent run either sees all of it or nothing
        except OSError:
            if not (target / "tests.py").is_file():
                raise
    return target


def _pip() -> list[str]:
    if importlib.util.find_spec("pip") is not None:
        return [sys.executable, "-m", "pip"]
    # The Django-matrix virtualenvs are made by uv, without pip: use the project's main one.
    main = CACHE.parents[1] / ".venv" / "bin" / "python"
    if main.is_file():
        return [str(main), "-m", "pip"]
    raise UnavailableError("pip is not installed here, nor in the project's .venv.")


def _download(version: str, into: Path) -> Path:
    # The pip may be another interpreter's (the main .venv's): ask for the sdist this Python can use.
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    command = [
        *_pip(),
        "download",
        "--quiet",
        "--no-deps",
        "--no-binary",
        ":all:",
        "--python-version",
        running,
        "--dest",
        str(into),
    ]
    try:
        done = subprocess.run(
            [*command, f"django=={version}"], capture_output=True, text=True, timeout=600, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise UnavailableError(f"pip download of Django {version} failed: {error}") from None
    sdists = sorted(into.glob("[Dd]jango-*.tar.gz"))
    if done.returncode != 0 or not sdists:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise UnavailableError(f"pip download of Django {version}'s sdist failed: {' / '.join(tail)}")
    return sdists[0]
