"""The benchmark harness's own arithmetic: peak memory, verdicts, repeated runs (the benchmarks themselves
run with ``make bench``, not here)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from benchmarks import concurrency, report, spread
from benchmarks.__main__ import _combine
from benchmarks.measure import MIB, Stopwatch, cpu_ms_per_mib

ROOT = Path(__file__).resolve().parent.parent


PEAK_MEMORY_PROBE = """
import json
from benchmarks.measure import MIB, peak_memory
before = bytearray(48 * MIB)
before[::4096] = b"x" * len(before[::4096])  # touch every page so it is resident
with peak_memory() as small:
    pass
with peak_memory() as big:
    inside = bytearray(32 * MIB)
    inside[::4096] = b"x" * len(inside[::4096])
    del inside
print(json.dumps([small.above_baseline_mib, big.above_baseline_mib]))
"""


def test_peak_memory_sees_an_allocation_inside_the_block_and_not_one_before_it() -> None:
    # In a fresh process, as the benchmarks measure: in this long-lived test process the allocator may
    # hand back memory that is already resident, and no new peak would show.
    result = subprocess.run(
        [sys.executable, "-c", PEAK_MEMORY_PROBE], capture_output=True, text=True, check=True, cwd=ROOT
    )
    small, big = json.loads(result.stdout)
    assert small < 8
    assert 30 <= big < 48


def test_cpu_time_counts_the_work_of_other_threads_and_not_waiting() -> None:
    def spin(seconds: float) -> None:
        end = time.thread_time() + seconds
        while time.thread_time() < end:
            pass

    watch = Stopwatch()
    worker = threading.Thread(target=spin, args=(0.05,))
    worker.start()
    worker.join()
    time.sleep(0.1)
    watch.stop()
    assert watch.cpu_seconds is not None and watch.stopped is not None
    assert 0.05 <= watch.cpu_seconds < watch.stopped
    assert cpu_ms_per_mib(0.5, 256 * MIB) == pytest.approx(1.953, abs=0.001)


def _ok(**figures: Any) -> dict[str, Any]:
    return {"outcome": "ok", **figures}


@pytest.mark.parametrize(
    ("calls", "expected"),
    [
        ({"b2_download_file_by_name": 1}, True),
        ({"b2_download_file_by_name": 1, "b2_get_upload_url": 3}, True),  # class A is free
        ({"b2_download_file_by_name": 1, "b2_get_file_info_by_name": 1}, False),
        ({"b2_download_file_by_name": 1, "b2_authorize_account": 1}, False),
    ],
)
def test_a_proxied_get_may_cost_one_billed_call(calls: dict[str, int], expected: bool) -> None:
    target = report.COUNTED_TARGETS["proxy-get-1"]
    assert target.check({"library": _ok(calls=calls)}) is expected


def test_a_wrong_answer_fails_its_target_even_when_cheap() -> None:
    target = report.COUNTED_TARGETS["proxy-get-1"]
    assert target.check({"library": {"outcome": "wrong", "wrong": "status 404", "calls": {}}}) is False


def test_a_target_is_not_applicable_when_the_library_has_no_such_feature() -> None:
    target = report.COUNTED_TARGETS["expiring-links-100"]
    assert target.check({"library": {"outcome": "n/a", "reason": "no expiring links yet"}}) is None
    assert report.verdict(None) == "n/a"


@pytest.mark.parametrize(("mine", "expected"), [(95.0, True), (90.0, True), (89.0, False)])
def test_throughput_is_held_to_nine_tenths_of_b2sdk_in_the_same_run(mine: float, expected: bool) -> None:
    target = report.MEASURED_TARGETS[("read-large", "mib_s")]
    assert target.check({"library": _ok(mib_s=mine), "raw-b2sdk": _ok(mib_s=100.0)}) is expected


@pytest.mark.parametrize(("peak", "expected"), [(31.9, True), (32.0, True), (32.1, False)])
def test_save_peak_memory_limit(peak: float, expected: bool) -> None:
    assert report.MEASURED_TARGETS[("save-large", "peak_mib")].check({"library": _ok(peak_mib=peak)}) is expected


def test_repeated_runs_report_the_median_and_the_spread() -> None:
    runs = [
        _ok(mib_s=10.0, ttfb_seconds=0.3, cpu_ms_per_mib=0.5, peak_mib=1.0),
        _ok(mib_s=30.0, ttfb_seconds=0.2, cpu_ms_per_mib=0.2, peak_mib=3.0),
        _ok(mib_s=20.0, ttfb_seconds=0.1, cpu_ms_per_mib=0.3, peak_mib=2.0),
    ]
    merged = _combine(runs)
    assert (merged["mib_s"], merged["ttfb_seconds"], merged["cpu_ms_per_mib"], merged["peak_mib"]) == (
        20.0,
        0.2,
        0.3,
        2.0,
    )
    assert merged["mib_s_spread"] == {"median": 20.0, "min": 10.0, "max": 30.0, "rounds": 3}
    assert [run["mib_s"] for run in merged["rounds"]] == [10.0, 30.0, 20.0]
    assert report._format_spread("mib_s", merged) == "20.0 (10.0-30.0)"


def _rounds(**figures: list[float]) -> dict[str, Any]:
    """A combined result whose rounds have these figures."""
    count = len(next(iter(figures.values())))
    return _combine([_ok(**{name: values[i] for name, values in figures.items()}) for i in range(count)])


@pytest.mark.parametrize(
    ("mine", "expected"),
    [
        ([95.0, 99.0, 91.0], "pass"),  # every round at least 0.9x
        ([80.0, 85.0, 70.0], "FAIL"),  # no round
        ([95.0, 80.0, 99.0], "inconclusive"),  # the spread straddles the target: no verdict
    ],
)
def test_a_target_is_judged_in_every_round_and_a_split_is_inconclusive(mine: list[float], expected: str) -> None:
    target = report.MEASURED_TARGETS[("read-large", "mib_s")]
    by_contender = {"library": _rounds(mib_s=mine), "raw-b2sdk": _rounds(mib_s=[100.0, 100.0, 100.0])}
    assert report.judge(target, by_contender) == expected


def test_rounds_are_paired_by_number_so_a_slow_round_slows_both() -> None:
    # Round 2 was slow for everyone: paired round by round, the library keeps up in each.
    target = report.MEASURED_TARGETS[("proxy-large", "mib_s")]
    by_contender = {"library": _rounds(mib_s=[100.0, 30.0, 95.0]), "raw-b2sdk": _rounds(mib_s=[100.0, 31.0, 100.0])}
    assert report.judge(target, by_contender) == "pass"


def test_spread_verdicts() -> None:
    assert spread.verdict([True, True]) == "pass"
    assert spread.verdict([False, None]) == "FAIL"
    assert spread.verdict([True, False]) == "inconclusive"
    assert spread.verdict([None]) == "n/a"
    found = spread.Spread.of([3.0, 1.0, 2.0])
    assert found is not None and found.format() == "2.0 (1.0-3.0)"


def _measurement(contender: str, what: str, round_: int, **figures: float) -> concurrency.Measurement:
    cpu = figures.pop("cpu", None)
    rss = figures.pop("rss", None)
    return concurrency.Measurement(
        contender,
        what,
        round_,
        bytes=int(figures.pop("mib", 1) * MIB),
        worker_cpu_seconds=cpu,
        worker_rss_mib=rss,
        figures=figures,
    )


def test_the_concurrency_targets_compare_servers_round_by_round() -> None:
    plan = concurrency.Plan(concurrency=(1, 9), rounds=2, servers=("gunicorn sync", "uvicorn"))
    measurements = []
    for round_ in range(2):
        for server, cpu, small_cpu, rss_high in (("gunicorn sync", 1.0, 1.0, 50.0), ("uvicorn", 1.1, 3.0, 90.0)):
            measurements += [
                _measurement(server, "large C=1", round_, mib=100, cpu=cpu / 2, mib_s=100.0, rss=50.0),
                _measurement(server, "large C=9", round_, mib=100, cpu=cpu / 2, mib_s=100.0, rss=rss_high),
                _measurement(server, "small proxied", round_, cpu_ms_per_request=small_cpu, requests_s=1.0),
                _measurement(server, "small plain", round_, cpu_ms_per_request=1.0, requests_s=2.0),
            ]
        measurements.append(_measurement("direct", "large C=1", round_, mib_s=200.0))
    text, verdicts = concurrency.tables(measurements, plan)
    by_target = {v["target"]: v["verdict"] for v in verdicts}
    assert by_target["uvicorn worker CPU per MiB <= 1.2x gunicorn sync's"] == "pass"  # 1.1x
    assert by_target["uvicorn worker CPU per proxied 1 KiB GET <= 1.2x gunicorn sync's"] == "FAIL"  # 3x
    assert by_target["gunicorn sync: CPU per proxied 1 KiB GET <= 2x the plain view's"] == "pass"
    assert by_target["uvicorn: CPU per proxied 1 KiB GET <= 2x the plain view's"] == "FAIL"
    # 40 MiB more for 4 more streams per worker: 10 MiB each.
    assert by_target["uvicorn worker RSS growth C=1 -> C=9 <= 2 MiB per extra stream"] == "FAIL"
    assert "0.50x" in text  # proxied/direct at C=1


def test_one_wrong_run_is_not_averaged_away() -> None:
    runs = [_ok(mib_s=10.0), {"outcome": "wrong", "wrong": "read 0 bytes", "mib_s": 1e6}, _ok(mib_s=12.0)]
    assert _combine(runs)["outcome"] == "wrong"


def test_the_table_names_each_problem_once_in_a_note() -> None:
    notes = report.Notes()
    results: dict[report.Key, dict[str, Any]] = {
        (scenario, None, contender): {"outcome": "n/a", "reason": "not built yet"}
        for scenario in ("url-LoggedInStorage", "url-StaffStorage")
        for contender in report.CONTENDERS
    }
    text, verdicts = report.counted_table(results, notes)
    assert notes.lines == ["n/a: not built yet"]
    assert "n/a [1]" in text
    assert [v["verdict"] for v in verdicts] == ["n/a", "n/a"]


def test_bulk_table_judges_peak_memory_across_sizes() -> None:
    from benchmarks import bulk

    def result(operation: str, files: int, peak: float) -> dict[str, object]:
        return {
            "operation": operation,
            "files": files,
            "outcome": "ok",
            "peak_mib": peak,
            "class_b": 0,
            "class_c": files // 1000,
            "seconds": 1.0,
        }

    text = bulk.table([result("orphans", 1000, 4.0), result("orphans", 100000, 12.5), result("copy (first)", 1000, 80)])

    assert "orphans | +4.0 MiB, B 0 / C 1, 1.0 s | +12.5 MiB, B 0 / C 100, 1.0 s | pass" in text
    assert "copy (first) | +80 MiB, B 0 / C 1, 1.0 s | n/a | FAIL" in text


def test_the_benchmarks_mark_their_files_as_the_library_does() -> None:
    from benchmarks.endpoints import MARK_KEY
    from django_backblaze_b2 import access

    assert access.MARK_KEY == MARK_KEY
