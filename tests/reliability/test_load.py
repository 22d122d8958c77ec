"""Load: the sample app under gunicorn (3 workers) on a local B2 server process, driven over loopback
by 8 client threads: uploads through its pages, proxied downloads through /b2/, /b2l/ and /b2s/ (whole,
ranged, conditional, HEAD, refused). No 5xx, every body byte-exact, the rules hold, memory stays flat.

The figures are printed in the reliability summary; ``python -m benchmarks.load`` runs the same load
with other bounds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.load import LoadRun
from benchmarks.measure import MIB
from benchmarks.sample_deployment import deploy, prepare_database

from .conftest import Tally

pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
REQUESTS, SECONDS, THREADS, WORKERS = 1500, 45.0, 8, 3
#: Enough requests that every kind of answer shows up many times, even on a slow, shared machine.
AT_LEAST = 400
MAX_GROWTH = 30 * MIB


def test_the_sample_under_gunicorn_serves_every_request_correctly(
    tmp_path: Path, request: pytest.FixtureRequest, tally: Tally
) -> None:
    if request.config.getoption("--b2-server"):
        pytest.skip("runs once: it always talks HTTP to a B2 server process of its own")
    prepare_database(tmp_path)
    with deploy(tmp_path, workers=WORKERS, keep_logs_in=ARTIFACTS, prefix="load-") as deployment:
        figures = LoadRun(deployment, requests=REQUESTS, seconds=SECONDS, threads=THREADS).run()
    print("\n".join(figures.lines()))
    tally.calls += sum(figures.b2_calls.values())
    tally.server_errors += figures.server_errors
    tally.succeeded += figures.requests - len(figures.failures)
    tally.verified += figures.verified
    tally.extra.update(
        requests=f"{figures.requests} in {figures.seconds:.0f}s",
        p50_p95_ms=f"{figures.percentile(None, 0.5) * 1000:.0f}/{figures.percentile(None, 0.95) * 1000:.0f}",
        worker_rss_growth_mib=f"{figures.rss_growth() / MIB:.1f}",
    )

    assert figures.server_errors == 0
    assert figures.failures == []
    assert figures.requests >= AT_LEAST
    assert set(figures.statuses) == {200, 206, 302, 304, 403, 416}
    assert figures.uploaded >= 10
    assert len(figures.rss) == WORKERS and all(len(moments) == 4 for moments in figures.rss.values())
    assert figures.rss_growth() < MAX_GROWTH
