"""``make run`` installs what the sample needs and nothing of the dev tools; ``make test`` installs them."""

from __future__ import annotations

import re
from pathlib import Path

MAKEFILE = (Path(__file__).resolve().parent.parent / "Makefile").read_text()


def rule(target: str) -> tuple[list[str], list[str]]:
    """(prerequisites, recipe lines) of a Makefile rule."""
    match = re.search(rf"^{re.escape(target)}:(.*)\n((?:\t.*\n)*)", MAKEFILE, flags=re.M)
    assert match is not None, f"no rule for {target!r} in the Makefile"
    return match.group(1).split(), [line.strip() for line in match.group(2).splitlines()]


def installs(target: str) -> list[str]:
    """The ``pip install`` lines run to make ``target``, following its prerequisites."""
    prerequisites, recipe = rule(target)
    found = [line for line in recipe if "pip install" in line]
    for prerequisite in prerequisites:
        if prerequisite.startswith("$(VENV)/.") or prerequisite in ("install",):
            found += installs(prerequisite)
    return found


def test_make_run_installs_the_sample_extras_only() -> None:
    lines = installs("run")
    assert lines, "make run installs nothing"
    assert any('".[sample]"' in line for line in lines)
    assert not any("dev" in line for line in lines)  # mypy, ruff, playwright...: not for a demo


def test_make_test_still_installs_the_dev_extras() -> None:
    assert any('".[dev,sample]"' in line for line in installs("install"))
