"""Prints how Django's own file-storage tests went on ``BackblazeB2Storage``."""

from __future__ import annotations

from collections import Counter

import django
import pytest

SUITE = "tests/django_suite/test_file_storage.py"
_outcomes: Counter[str] = Counter()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if type(report) is not pytest.TestReport or not report.nodeid.startswith(SUITE):
        return  # subtests are counted with their test
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        _outcomes[report.outcome] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _outcomes:
        return
    terminalreporter.write_line(
        f"Django {django.__version__}'s tests/file_storage on BackblazeB2Storage: "
        f"{_outcomes['passed']} pass, {_outcomes['skipped']} skip (each reason above), {_outcomes['failed']} fail"
    )
