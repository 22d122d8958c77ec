"""``python -m benchmarks [--full] [--sizes 64 256] [--repeat N] [--only SCENARIO ...]``: run, print, save."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from . import b2server, bulk, concurrency, nginx, report
from .endpoints import ROOT
from .environments import reference_python
from .measure import MIB
from .runner import run_worker
from .scenarios import COUNTED, MEASURED, SMALL, WARM_FILE
from .spread import Spread

#: The section comparing gunicorn sync, gthread and uvicorn under concurrent clients.
CONCURRENCY = "concurrency"
#: Scenarios run only at the largest size.
LARGEST_ONLY = {"proxy-range"}


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 256], help="file sizes in MiB (default: 64 256)")
    parser.add_argument("--chunk-kib", type=int, default=1024, help="read(chunk) size in KiB (default 1024)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="rounds per big-file measurement (median and min-max are reported)"
    )
    parser.add_argument("--only", nargs="+", metavar="SCENARIO", help=f"run only these of: {', '.join(_all())}")
    parser.add_argument("--contenders", nargs="+", choices=report.CONTENDERS, default=list(report.CONTENDERS))
    parser.add_argument(
        "--bulk-files",
        type=int,
        nargs="+",
        default=[1000, 10000],
        help="bucket sizes for the bulk commands (default: 1000 10000; add 100000 for the large case)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results", help="where results.json goes")
    parser.add_argument(
        "--full",
        action="store_true",
        help="the full run: 5 rounds of everything, a 50 MiB file for the concurrency section (about 15 minutes)",
    )
    parser.add_argument("--concurrency-mib", type=int, help="file size of the concurrency section (16; --full: 50)")
    parser.add_argument("--concurrency-rounds", type=int, help="rounds of the concurrency section (3; --full: 5)")
    arguments = parser.parse_args(argv)
    if arguments.full:
        arguments.repeat = max(arguments.repeat, 5)
    arguments.concurrency_mib = arguments.concurrency_mib or (50 if arguments.full else 16)
    arguments.concurrency_rounds = arguments.concurrency_rounds or (5 if arguments.full else 3)
    unknown = set(arguments.only or ()) - set(_all())
    if unknown:
        parser.error(f"unknown scenario(s) {sorted(unknown)}; choose from {', '.join(_all())}")
    return arguments


def _all() -> list[str]:
    return [*COUNTED, *MEASURED, "bulk", CONCURRENCY]


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


#: Figures measured in every round; the result keeps each one's median, and its spread beside it.
ROUND_FIGURES = ("mib_s", "seconds", "ttfb_seconds", "cpu_ms_per_mib", "peak_mib")


def _combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One result from repeated runs, or the first run that went wrong.

    Each figure of :data:`ROUND_FIGURES` is the median of the rounds, with ``<figure>_spread``
    (median, min, max) beside it; every round stays under ``"rounds"``, so targets are judged round
    by round (see :mod:`.spread`).
    """
    for run in runs:
        if run["outcome"] != "ok":
            return {**run, "runs": len(runs)}
    merged = dict(runs[0])
    for name in ROUND_FIGURES:
        spread = Spread.of(run[name] for run in runs if isinstance(run.get(name), (int, float)))
        if spread is not None:
            merged[name] = round(spread.median, 4)
            merged[f"{name}_spread"] = spread.as_dict()
    merged["runs"] = len(runs)
    merged["rounds"] = [{key: value for key, value in run.items() if key != "versions"} for run in runs]
    return merged


def machine() -> dict[str, Any]:
    def first(path: str, field: str) -> str:
        try:
            with open(path) as file:
                return next((line.split(":", 1)[1].strip() for line in file if line.startswith(field)), "?")
        except OSError:
            return "?"

    return {
        "cpus": os.cpu_count(),
        "cpu_model": first("/proc/cpuinfo", "model name"),
        "memory": _gib(first("/proc/meminfo", "MemTotal")),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "b2sdk": metadata.version("b2sdk"),
        "django": metadata.version("django"),
        "django-backblaze-b2": metadata.version("django-backblaze-b2"),
    }


def _gib(meminfo_value: str) -> str:
    kib = meminfo_value.split()[0]
    return f"{int(kib) / 1024 / 1024:.1f} GiB" if kib.isdigit() else meminfo_value


class Bench:
    def __init__(self, arguments: argparse.Namespace) -> None:
        self.arguments = arguments
        self.logs = arguments.out / "logs"
        self.results: dict[report.Key, dict[str, Any]] = {}
        self.bulk: list[dict[str, Any]] = []
        self.concurrency_text = ""
        self.concurrency_verdicts: list[dict[str, Any]] = []
        self.concurrency_measurements: list[dict[str, Any]] = []

    def wanted(self, scenario: str) -> bool:
        return not self.arguments.only or scenario in self.arguments.only

    def run_counted(self) -> None:
        for scenario in COUNTED:
            if not self.wanted(scenario):
                continue
            for contender in self.arguments.contenders:
                started = time.perf_counter()
                result = run_worker(contender, scenario, logs=self.logs)
                self.results[(scenario, None, contender)] = result
                _progress(
                    f"  {scenario:<28} {contender:<10} {result['outcome']:<6} {time.perf_counter() - started:.1f} s"
                )

    def run_big_files(self) -> None:
        scenarios = [scenario for scenario in MEASURED if self.wanted(scenario)]
        if not scenarios:
            return
        if not b2server.available():
            reason = f"the local B2 server ({b2server.SERVER_MODULE}) is not in this checkout yet"
            for scenario in scenarios:
                for size in self.arguments.sizes:
                    for contender in self.arguments.contenders:
                        self.results[(scenario, size, contender)] = {"outcome": "n/a", "reason": reason}
            return
        fixtures = self.arguments.out / "fixtures"
        with b2server.LocalB2Server(self.logs / "b2-server.log") as server:
            server.upload_bytes(SMALL, WARM_FILE)
            for size in self.arguments.sizes:
                name = f"fixtures/large-{size}MiB.bin"
                fixture = b2server.fixture_file(fixtures, size)
                server.upload(fixture, name)
                params = {
                    "size": size * MIB,
                    "fixture": str(fixture),
                    "name": name,
                    "chunk": self.arguments.chunk_kib * 1024,
                }
                for scenario in scenarios:
                    if scenario in LARGEST_ONLY and size != max(self.arguments.sizes):
                        continue
                    self._measure(server, scenario, size, params)
                server.delete(name)

    def run_bulk(self) -> None:
        if self.wanted("bulk"):
            self.bulk = bulk.run(self.arguments.bulk_files, self.arguments.out, progress=_progress)

    def _measure(self, server: b2server.LocalB2Server, scenario: str, size: int, params: dict[str, Any]) -> None:
        runs: dict[str, list[dict[str, Any]]] = {contender: [] for contender in self.arguments.contenders}
        # Contenders take turns, each round starting with the next one, so a slow spell of the
        # machine hits all of them alike.
        contenders = list(self.arguments.contenders)
        for round_ in range(self.arguments.repeat):
            for contender in contenders[round_ % len(contenders) :] + contenders[: round_ % len(contenders)]:
                started = time.perf_counter()
                result = run_worker(
                    contender,
                    scenario,
                    logs=self.logs,
                    endpoint=server.worker_endpoint(),
                    params=params,
                    label=f"-{size}",
                )
                runs[contender].append(result)
                took = time.perf_counter() - started
                _progress(f"  {scenario:<14} {size:>4} MiB {contender:<10} {result['outcome']:<6} {took:.1f} s")
        for contender, contender_runs in runs.items():
            self.results[(scenario, size, contender)] = _combine(contender_runs)

    def run_concurrency(self) -> None:
        if not self.wanted(CONCURRENCY):
            return
        missing = [
            what
            for what, found in (("curl", concurrency.curl_available()), ("the local B2 server", b2server.available()))
            if not found
        ]
        servers = tuple(
            name
            for name in (concurrency.ALL_SERVERS if self.arguments.full else concurrency.DEFAULT_SERVERS)
            if (not name.startswith("uvicorn") or importlib.util.find_spec("uvicorn"))
            and (name not in concurrency.OFFLOADED or nginx.nginx_binary())
        )
        if missing:
            self.concurrency_text = f"Concurrency: n/a ({' and '.join(missing)} not found)"
            return
        plan = concurrency.Plan(
            size_mib=self.arguments.concurrency_mib, rounds=self.arguments.concurrency_rounds, servers=servers
        )
        run = concurrency.Run(plan, self.logs, self.arguments.out / "fixtures", _progress)
        self.concurrency_measurements = [m.as_dict() for m in run.run()]
        self.concurrency_text, self.concurrency_verdicts = concurrency.tables(run.measurements, plan)
        if not any(name.startswith("uvicorn") for name in servers):
            self.concurrency_text += "\n(uvicorn is not installed: pip install uvicorn)"

    def render(self, seconds: float) -> tuple[str, dict[str, Any]]:
        notes = report.Notes()
        big, big_verdicts = report.measured_table(self.results, self.arguments.sizes, notes)
        counted, counted_verdicts = report.counted_table(self.results, notes)
        info = machine()
        lines = [
            f"django-backblaze-b2 benchmarks: {info['cpus']} CPUs ({info['cpu_model']}), {info['memory']} memory, "
            f"Python {info['python']}, b2sdk {info['b2sdk']}, Django {info['django']}; took {seconds:.0f} s",
        ]
        if big_verdicts or any(size is not None for _, size, _ in self.results):
            lines += [
                "",
                "Big files, local B2 server in another process; peak MiB: RSS high-water mark above the "
                f"baseline before the operation; read chunk {self.arguments.chunk_kib} KiB; of "
                f"{self.arguments.repeat} round(s), contenders interleaved: the median (min-max); a target is judged "
                "in every round",
                "",
                big,
            ]
        if counted_verdicts or any(size is None for _, size, _ in self.results):
            lines += ["", "B2 transactions by Backblaze's class (A free; B and C billed), in-process simulated B2", ""]
            lines.append(counted)
        if self.bulk:
            lines += [
                "",
                "Bulk commands over n files of ~100 bytes, local B2 server in another process; peak RSS above the "
                "baseline, and the class B / C calls it counted (copies: one b2_copy_file, class C, per file copied)",
                "",
                bulk.table(self.bulk),
            ]
        if notes.lines:
            lines += ["", *(f"[{number}] {line}" for number, line in enumerate(notes.lines, 1))]
        if self.concurrency_text:
            lines += ["", self.concurrency_text]
        verdicts = big_verdicts + counted_verdicts + self.concurrency_verdicts
        failed = [v for v in verdicts if v["verdict"] == "FAIL"]
        lines += [
            "",
            f"targets: {sum(v['verdict'] == 'pass' for v in verdicts)} pass, {len(failed)} FAIL, "
            f"{sum(v['verdict'] == 'inconclusive' for v in verdicts)} inconclusive (the rounds disagree), "
            f"{sum(v['verdict'] == 'n/a' for v in verdicts)} n/a",
        ]
        data = {
            "command": " ".join(["python -m benchmarks", *sys.argv[1:]]),
            "machine": info,
            "sizes_mib": self.arguments.sizes,
            "chunk_kib": self.arguments.chunk_kib,
            "repeat": self.arguments.repeat,
            "seconds": round(seconds, 1),
            "results": [
                {"scenario": scenario, "size_mib": size, "contender": contender, **result}
                for (scenario, size, contender), result in self.results.items()
            ],
            "targets": verdicts,
            "bulk": self.bulk,
            "concurrency": self.concurrency_measurements,
        }
        return "\n".join(lines), data


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    started = time.perf_counter()
    if "reference" in arguments.contenders:
        _progress(f"reference package: {reference_python()}")
    bench = Bench(arguments)
    _progress("B2 transactions:")
    bench.run_counted()
    _progress("big files:")
    bench.run_big_files()
    _progress("bulk commands:")
    bench.run_bulk()
    _progress("concurrency:")
    bench.run_concurrency()
    text, data = bench.render(time.perf_counter() - started)
    arguments.out.mkdir(parents=True, exist_ok=True)
    (arguments.out / "results.json").write_text(json.dumps(data, indent=2) + "\n")
    (arguments.out / "results.md").write_text(text + "\n")
    print(text)
    print(f"\nwritten: {arguments.out / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
