"""Fetching Django's tests: without an index to download from, a clear error (the suite then skips, or fails
under CI=true)."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import source


def test_no_package_index_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path))
    with pytest.raises(source.UnavailableError, match=r"pip download of Django 4\.2\.0's sdist failed"):
        source._download("4.2.0", tmp_path)
