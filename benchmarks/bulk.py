"""Memory and billed calls of the bulk commands as the bucket grows: ``python -m benchmarks.bulk --files 1000 10000``.

A local B2 server in another process holds ``n`` files of ~100 bytes under ``n<N>/`` in a "live"
bucket, and a SQLite database holds rows naming 90% of them. For each ``n``, each operation runs in
a fresh process (so high-water marks don't leak from one into the next):

- ``copy (first)``: ``b2_copy_media`` of the referenced files into an empty "staging" bucket;
- ``copy (resumed)``: the same again, every file already there;
- ``orphans``: ``b2_orphans`` listing the 10% no row names;
- ``orphans --delete``: deleting them.

Each reports the peak RSS above the process's baseline just before the command and the class B
and C calls the server counted. Flat memory from 1k to 100k files, and calls about ceil(n/1000)
(plus one ``b2_copy_file`` per copied file), are the targets. ``--files 1000 10000 100000``
measures the 100k case (seeding 100k files over HTTP takes a few minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .b2server import LocalB2Server
from .endpoints import ROOT, B2Endpoint

LIVE, STAGING = "bulk-live", "bulk-staging"
OPERATIONS = {
    "copy (first)": ["b2_copy_media", "--from", "default", "--to", "staging"],
    "copy (resumed)": ["b2_copy_media", "--from", "default", "--to", "staging"],
    "orphans": ["b2_orphans", "--storage", "default", "--min-age", "0"],
    "orphans --delete": ["b2_orphans", "--storage", "default", "--min-age", "0", "--delete", "--no-input"],
}
#: The bench's target: peak memory above the baseline, whatever the number of files.
TARGET_MIB = 50
WORKER_TIMEOUT = 1800


def names_for(n: int) -> list[str]:
    # A few non-ASCII names, so the merges run on B2's byte order.
    return [f"n{n}/{'é' if i % 97 == 0 else 'd'}{i % 10}/f{i:07}.txt" for i in range(n)]


def referenced(name_index: int) -> bool:
    return name_index % 10 != 0


# -- the worker: one command in a fresh process --------------------------------------------------


def configure(endpoint: dict[str, str], database: str) -> None:
    import django
    from django.conf import settings

    b2 = {
        "realm": endpoint["realm"],
        "application_key_id": endpoint["key_id"],
        "application_key": endpoint["key"],
        "account_info": {"type": "memory"},
    }
    storage = "django_backblaze_b2.storage.BackblazeB2Storage"
    settings.configure(
        SECRET_KEY="benchmarks-only",  # noqa: S106 - not a secret
        USE_TZ=True,
        INSTALLED_APPS=["django.contrib.contenttypes", "django_backblaze_b2", "benchmarks.bulkapp"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": database}},
        BACKBLAZE_CONFIG={**b2, "bucket": LIVE},
        STORAGES={
            "default": {"BACKEND": storage},
            "staging": {"BACKEND": storage, "OPTIONS": {"bucket": STAGING}},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        LOGGING_CONFIG=None,
    )
    django.setup()


def seed_rows(n: int) -> None:
    from django.core.management import call_command

    from .bulkapp.models import Upload

    call_command("migrate", run_syncdb=True, verbosity=0)
    Upload._default_manager.bulk_create(
        (Upload(file=name) for i, name in enumerate(names_for(n)) if referenced(i)), batch_size=5000
    )


def measure(operation: str, n: int, endpoint: B2Endpoint) -> dict[str, Any]:
    from django.core.files.storage import storages
    from django.core.management import call_command

    from .measure import peak_memory

    for alias in ("default", "staging"):
        storages[alias].bucket  # type: ignore[attr-defined]  # noqa: B018 - authorized, buckets known
    _control(endpoint, "POST", "reset")
    started = time.perf_counter()
    with open(os.devnull, "w") as quiet, peak_memory() as peak:
        args = [*OPERATIONS[operation], "--prefix", f"n{n}"]
        try:
            call_command(*args, stdout=quiet, stderr=quiet)
        except Exception as error:  # a failing command is a figure too
            return {"outcome": "error", "reason": f"{type(error).__name__}: {error}"[:300]}
    seconds = time.perf_counter() - started
    calls = _control(endpoint, "GET", "calls")
    return {
        "outcome": "ok",
        "peak_mib": round(peak.above_baseline_mib, 1),
        "seconds": round(seconds, 2),
        "class_b": calls["by_class"]["B"],
        "class_c": calls["by_class"]["C"],
        "calls": calls["counts"],
    }


def _control(endpoint: B2Endpoint, method: str, action: str) -> Any:
    import requests

    body: dict[str, Any] | None = {} if method == "POST" else None
    response = requests.request(method, f"{endpoint.realm}/_control/{action}", json=body, timeout=30)
    response.raise_for_status()
    return response.json()


def worker(spec: dict[str, Any]) -> None:
    endpoint = B2Endpoint(**spec["endpoint"])
    configure(spec["endpoint"], spec["database"])
    if spec["operation"] == "seed":
        seed_rows(spec["n"])
        result: dict[str, Any] = {"outcome": "ok"}
    else:
        result = measure(spec["operation"], spec["n"], endpoint)
    Path(spec["out"]).write_text(json.dumps(result))


# -- the parent ----------------------------------------------------------------------------------


def run_worker(spec: dict[str, Any], log: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "result.json"
        command = [sys.executable, "-m", "benchmarks.bulk", "--worker", json.dumps({**spec, "out": str(out)})]
        with open(log, "a") as log_file:
            try:
                subprocess.run(command, cwd=ROOT, stdout=log_file, stderr=log_file, timeout=WORKER_TIMEOUT, check=False)
            except subprocess.TimeoutExpired:
                return {"outcome": "error", "reason": f"timed out after {WORKER_TIMEOUT} s"}
        if not out.exists():
            return {"outcome": "error", "reason": f"the worker wrote no result (log: {log})"}
        result: dict[str, Any] = json.loads(out.read_text())
        return result


def seed_files(endpoint: B2Endpoint, n: int) -> None:
    bucket = endpoint.authorized_api().get_bucket_by_name(LIVE)
    data = b"x" * 100
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in pool.map(lambda name: bucket.upload_bytes(data, name), names_for(n)):
            pass


def run(sizes: list[int], out: Path, progress: Any = print) -> list[dict[str, Any]]:
    """Every operation at every size; one result per (operation, n)."""
    logs = out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    results = []
    with LocalB2Server(logs / "bulk-b2-server.log") as server, tempfile.TemporaryDirectory() as scratch:
        assert server.endpoint is not None
        endpoint = server.endpoint
        api = endpoint.authorized_api()
        api.create_bucket(LIVE, "allPrivate")
        api.create_bucket(STAGING, "allPrivate")
        spec_endpoint = server.worker_endpoint()
        for n in sizes:
            started = time.perf_counter()
            seed_files(endpoint, n)
            database = str(Path(scratch) / f"bulk-{n}.sqlite3")
            seeded = run_worker(
                {"operation": "seed", "n": n, "endpoint": spec_endpoint, "database": database}, logs / "bulk.log"
            )
            if seeded["outcome"] != "ok":
                raise RuntimeError(f"seeding {n} rows failed: {seeded}")
            progress(f"  bulk: {n} files seeded in {time.perf_counter() - started:.0f} s")
            for operation in OPERATIONS:
                spec = {"operation": operation, "n": n, "endpoint": spec_endpoint, "database": database}
                result = {"operation": operation, "files": n, **run_worker(spec, logs / "bulk.log")}
                results.append(result)
                progress(
                    f"  bulk: {operation:<17} {n:>7} files {result['outcome']:<5} +{result.get('peak_mib', '?')} MiB, "
                    f"C {result.get('class_c', '?')}, {result.get('seconds', '?')} s"
                )
    return results


def table(results: list[dict[str, Any]]) -> str:
    sizes = sorted({result["files"] for result in results})
    header = ["operation", *(f"{n} files" for n in sizes), "flat?"]
    lines = [" | ".join(header), " | ".join("---" for _ in header)]
    for operation in OPERATIONS:
        row = [operation]
        peaks = []
        for n in sizes:
            found = next((r for r in results if r["operation"] == operation and r["files"] == n), None)
            if found is None or found["outcome"] != "ok":
                row.append(found.get("reason", "n/a") if found else "n/a")
                continue
            peaks.append(found["peak_mib"])
            row.append(f"+{found['peak_mib']} MiB, B {found['class_b']} / C {found['class_c']}, {found['seconds']} s")
        verdict = "n/a"
        if peaks:
            verdict = "pass" if max(peaks) <= TARGET_MIB else "FAIL"
        row.append(f"{verdict} (<= {TARGET_MIB} MiB)")
        lines.append(" | ".join(row))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bulk", description=__doc__)
    parser.add_argument("--files", type=int, nargs="+", default=[1000, 10000], help="bucket sizes (default 1000 10000)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results", help="where bulk.json goes")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.worker:
        worker(json.loads(arguments.worker))
        return 0
    results = run(arguments.files, arguments.out, progress=lambda text: print(text, file=sys.stderr, flush=True))
    arguments.out.mkdir(parents=True, exist_ok=True)
    (arguments.out / "bulk.json").write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
