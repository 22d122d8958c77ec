"""The proxy routes under concurrent clients: gunicorn sync, gunicorn gthread and uvicorn, each with
two workers, against curl fetching the same file from the local B2 server directly.

Every contender (the three servers and "direct") runs once per round, in an order that moves by one
each round, so a slow spell of the shared machine hits them alike; figures are reported as the median
and the min-max over the rounds. Clients are curl processes (``curl -Z``): cheaper than Python ones,
so the two CPUs go to the servers. Worker CPU is read from ``/proc`` (user + system, every worker of
the server), worker memory is the highest RSS of one worker during the measurement.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import b2server, nginx
from .endpoints import BUCKET, ROOT
from .measure import MIB
from .processes import RssSampler, children, cpu_seconds
from .spread import Spread, verdict

WORKERS = 2
#: Slow clients: this many download the big file at once, each taking about SLOW_SECONDS, while
#: SLOW_PROBES 1 KiB GETs (sent together, after them) are timed.
SLOW_CLIENTS = 10
SLOW_SECONDS = 1
SLOW_PROBES = 3
SMALL_NAME = "concurrency/small.bin"
START_TIMEOUT = 60


def _uvicorn(application: str, bind: str) -> list[str]:
    host, port = bind.split(":")
    return [
        *[sys.executable, "-m", "uvicorn", application, "--workers", str(WORKERS), "--host", host, "--port", port],
        *["--no-access-log", "--log-level", "warning"],
    ]


#: The server processes measured, by name: the command serving the benchmark site on ``bind``.
SERVERS: dict[str, Callable[[str], list[str]]] = {
    "gunicorn sync": lambda bind: [
        *[sys.executable, "-m", "gunicorn", "benchmarks.site.wsgi:application"],
        *["-w", str(WORKERS), "-b", bind, "-k", "sync", "--log-level", "warning"],
    ],
    "gunicorn gthread 2x4": lambda bind: [
        *[sys.executable, "-m", "gunicorn", "benchmarks.site.wsgi:application"],
        *["-w", str(WORKERS), "-b", bind, "-k", "gthread", "--threads", "4", "--log-level", "warning"],
    ],
    # With django_backblaze_b2.asgi's application (1 MiB messages), and with Django's own (64 KiB).
    "uvicorn": lambda bind: _uvicorn("benchmarks.site.asgi:application", bind),
    "uvicorn, Django's handler": lambda bind: _uvicorn("benchmarks.site.asgi:django_application", bind),
}
#: Servers behind nginx in offload mode (``proxy_offload``): the name, and the server nginx fronts.
OFFLOAD_LOCATION = "/_b2/"
OFFLOADED = {"gunicorn sync + nginx offload": "gunicorn sync"}
#: The servers of a default run (--full adds the rest).
DEFAULT_SERVERS = ("gunicorn sync", "gunicorn gthread 2x4", "uvicorn", "gunicorn sync + nginx offload")
ALL_SERVERS = (*SERVERS, *OFFLOADED)
DIRECT = "direct"


@dataclass(frozen=True)
class Plan:
    size_mib: int = 16
    concurrency: tuple[int, ...] = (1, 8, 32)
    rounds: int = 3
    small_requests: int = 200
    small_concurrency: int = 8
    servers: tuple[str, ...] = DEFAULT_SERVERS

    def transfers(self, concurrency: int) -> int:
        """How many downloads at one concurrency: enough that each client makes a few."""
        return max(concurrency, 8)


@dataclass
class Measurement:
    contender: str
    what: str  # "large C=8", "small proxied", "small plain"
    round: int
    outcome: str = "ok"
    reason: str = ""
    seconds: float = 0.0
    requests: int = 0
    bytes: int = 0
    worker_cpu_seconds: float | None = None
    worker_rss_mib: float | None = None  # the highest RSS of one worker during the measurement
    figures: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "contender": self.contender,
            "what": self.what,
            "round": self.round,
            "outcome": self.outcome,
            "reason": self.reason,
            "seconds": round(self.seconds, 4),
            "requests": self.requests,
            "bytes": self.bytes,
            "worker_cpu_seconds": self.worker_cpu_seconds,
            "worker_rss_mib": self.worker_rss_mib,
            **self.figures,
        }


def curl_available() -> bool:
    return shutil.which("curl") is not None


def _curl(urls: list[str], concurrency: int, headers: dict[str, str] | None, config: Path) -> list[str]:
    config.write_text("".join(f'url = "{url}"\noutput = "/dev/null"\n' for url in urls))
    command = ["curl", "-s", "-Z", "--parallel-immediate", "--parallel-max", str(concurrency)]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    return [*command, "-w", "%{http_code} %{size_download} %{time_total}\\n", "-K", str(config)]


def fetch(urls: list[str], concurrency: int, headers: dict[str, str] | None = None) -> tuple[float, list[str]]:
    """Fetch ``urls`` with at most ``concurrency`` transfers at once; wall seconds and, per URL,
    ``"<status> <bytes> <seconds>"``."""
    with tempfile.TemporaryDirectory() as scratch:
        command = _curl(urls, concurrency, headers, Path(scratch) / "urls.curl")
        started = time.perf_counter()
        answer = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
        seconds = time.perf_counter() - started
    return seconds, answer.stdout.split("\n")[:-1]


@contextmanager
def slow_downloads(urls: list[str], bytes_per_second: int) -> Iterator[subprocess.Popen[bytes]]:
    """Clients downloading ``urls`` all at once, each at most ``bytes_per_second``, for a ``with`` block
    (waited for at its end)."""
    with tempfile.TemporaryDirectory() as scratch:
        command = _curl(urls, len(urls), None, Path(scratch) / "urls.curl")
        command[1:1] = ["--limit-rate", str(bytes_per_second)]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            yield process
        finally:
            try:
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class Served:
    """One server process of the benchmark site, with its workers."""

    def __init__(self, name: str, base_url: str, process: subprocess.Popen[bytes]) -> None:
        self.name = name
        self.base_url = base_url
        self.process = process
        self.workers: list[int] = []

    def wait_until_serving(self, log_path: Path) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} stopped:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.base_url + "/plain/", timeout=2) as response:  # noqa: S310
                    if response.status == 200 and len(children(self.process.pid)) >= WORKERS:
                        self.workers = children(self.process.pid)
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer within {START_TIMEOUT} s:\n{log_path.read_text()[-3000:]}")

    def cpu(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.workers)


@contextmanager
def serve(name: str, env: dict[str, str], logs: Path) -> Iterator[Served]:
    from .sample_deployment import free_port

    bind = f"127.0.0.1:{free_port()}"
    log_path = logs / f"concurrency-{name.replace(' ', '-')}.log"
    logs.mkdir(parents=True, exist_ok=True)
    fronted = OFFLOADED.get(name)
    if fronted is not None:
        env = {**env, "BENCH_OFFLOAD": OFFLOAD_LOCATION}
    with open(log_path, "wb") as log:
        command = SERVERS[fronted or name](bind)
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    served = Served(name, f"http://{bind}", process)
    try:
        served.wait_until_serving(log_path)
        if fronted is None:
            yield served
        else:
            # The Django workers answer each GET briefly; nginx's worker moves the bytes: both count.
            with nginx.running(logs / "nginx-offload", served.base_url, OFFLOAD_LOCATION) as (url, master):
                served.base_url = url
                served.workers = [*served.workers, *children(master)]
                yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Run:
    def __init__(self, plan: Plan, logs: Path, fixtures: Path, progress: Callable[[str], None]) -> None:
        self.plan = plan
        self.logs = logs
        self.fixtures = fixtures
        self.progress = progress
        self.measurements: list[Measurement] = []

    def run(self) -> list[Measurement]:
        plan = self.plan
        large_name = f"concurrency/large-{plan.size_mib}MiB.bin"
        with b2server.LocalB2Server(self.logs / "b2-server-concurrency.log") as b2, ExitStack() as stack:
            assert b2.endpoint is not None
            b2.upload(b2server.fixture_file(self.fixtures, plan.size_mib), large_name, route="public")
            from .site.urls import SMALL_BODY

            b2.upload_bytes(SMALL_BODY, SMALL_NAME, route="public")
            api = b2.endpoint.authorized_api()
            direct_base = f"{api.account_info.get_download_url()}/file/{BUCKET}/"
            direct_headers = {"Authorization": api.account_info.get_account_auth_token()}
            env = {key: value for key, value in os.environ.items() if not key.startswith("BENCH_")}
            env.update(
                BENCH_B2_REALM=b2.endpoint.realm,
                BENCH_B2_KEY_ID=b2.endpoint.key_id,
                BENCH_B2_KEY=b2.endpoint.key,
                BENCH_B2_BUCKET=BUCKET,
                PYTHONPATH=str(ROOT),
            )
            servers = {name: stack.enter_context(serve(name, env, self.logs)) for name in plan.servers}
            for served in servers.values():  # each worker authorizes and finds the bucket once
                fetch([f"{served.base_url}/b2/{SMALL_NAME}"] * 4 * WORKERS, WORKERS)
            contenders = [DIRECT, *servers]
            for round_ in range(plan.rounds):
                shift = round_ % len(contenders)
                for contender in contenders[shift:] + contenders[:shift]:
                    started = time.perf_counter()
                    if contender == DIRECT:
                        self._direct(round_, direct_base, direct_headers, large_name)
                    else:
                        self._proxied(round_, servers[contender], large_name)
                    self.progress(
                        f"  concurrency round {round_ + 1}/{plan.rounds} {contender:<22} "
                        f"{time.perf_counter() - started:.1f} s"
                    )
        return self.measurements

    def _direct(self, round_: int, base: str, headers: dict[str, str], large_name: str) -> None:
        for concurrency in self.plan.concurrency:
            urls = [base + large_name] * self.plan.transfers(concurrency)
            self._measure(
                DIRECT, f"large C={concurrency}", round_, urls, concurrency, self.plan.size_mib * MIB, None, headers
            )
        urls = [base + SMALL_NAME] * self.plan.small_requests
        self._measure(DIRECT, "small direct", round_, urls, self.plan.small_concurrency, 1024, None, headers)

    def _proxied(self, round_: int, served: Served, large_name: str) -> None:
        for concurrency in self.plan.concurrency:
            urls = [f"{served.base_url}/b2/{large_name}"] * self.plan.transfers(concurrency)
            self._measure(
                served.name, f"large C={concurrency}", round_, urls, concurrency, self.plan.size_mib * MIB, served
            )
        for what, path in (("small proxied", f"/b2/{SMALL_NAME}"), ("small plain", "/plain/")):
            urls = [served.base_url + path] * self.plan.small_requests
            self._measure(served.name, what, round_, urls, self.plan.small_concurrency, 1024, served)
        self._behind_slow_clients(round_, served, large_name)

    def _behind_slow_clients(self, round_: int, served: Served, large_name: str) -> None:
        """How long a 1 KiB GET takes while SLOW_CLIENTS clients download the big file slowly."""
        plan = self.plan
        rate = plan.size_mib * MIB // SLOW_SECONDS
        measurement = Measurement(served.name, "small behind slow clients", round_, requests=SLOW_PROBES)
        with slow_downloads([f"{served.base_url}/b2/{large_name}"] * SLOW_CLIENTS, rate):
            time.sleep(0.5)  # the slow downloads take the workers (or threads) first
            _seconds, answers = fetch([f"{served.base_url}/b2/{SMALL_NAME}"] * SLOW_PROBES, SLOW_PROBES)
        latencies = [float(answer.rsplit(" ", 1)[1]) for answer in answers if answer.startswith("200 1024 ")]
        if len(latencies) != SLOW_PROBES:
            measurement.outcome, measurement.reason = "wrong", f"answered {answers}"
        if latencies:
            measurement.figures["latency_ms"] = round(statistics.median(latencies) * 1000, 1)
        self.measurements.append(measurement)

    def _measure(
        self,
        contender: str,
        what: str,
        round_: int,
        urls: list[str],
        concurrency: int,
        size: int,
        served: Served | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        measurement = Measurement(contender, what, round_, requests=len(urls))
        with RssSampler(served.workers if served else []) as memory:
            cpu_before = served.cpu() if served else 0.0
            seconds, answers = fetch(urls, concurrency, headers)
            cpu = served.cpu() - cpu_before if served else None
        measurement.seconds = seconds
        measurement.worker_cpu_seconds = round(cpu, 3) if cpu is not None else None
        if served is not None:
            measurement.worker_rss_mib = round(max(memory.peak.values()) / MIB, 1)
        wrong = [answer for answer in answers if answer.rsplit(" ", 1)[0] != f"200 {size}"]
        if len(answers) != len(urls) or wrong:
            measurement.outcome = "wrong"
            measurement.reason = f"{len(answers)} answers for {len(urls)} requests; not '200 {size}': {wrong[:3]}"
        measurement.bytes = size * len(answers)
        figures = measurement.figures
        if what.startswith("large"):
            figures["mib_s"] = round(measurement.bytes / MIB / seconds, 1)
            if cpu is not None:
                figures["cpu_ms_per_mib"] = round(cpu * 1000 / (measurement.bytes / MIB), 3)
        else:
            figures["requests_s"] = round(len(urls) / seconds, 1)
            if cpu is not None:
                figures["cpu_ms_per_request"] = round(cpu * 1000 / len(urls), 3)
        self.measurements.append(measurement)


# -- the tables --------------------------------------------------------------------------------------

#: Targets, each judged round by round (see :mod:`.spread`).
ASGI = "uvicorn"
WSGI = "gunicorn sync"
PARITY = 1.2  # ASGI against WSGI: CPU per MiB, CPU per small request
SMALL_OVERHEAD = 2.0  # a proxied 1 KiB GET against a plain view answering 1 KiB from memory
RSS_PER_STREAM_MIB = 2.0  # a worker's memory per concurrent stream (bounded read-ahead)


def _ok(measurements: list[Measurement], contender: str, what: str) -> dict[int, Measurement]:
    return {m.round: m for m in measurements if m.contender == contender and m.what == what and m.outcome == "ok"}


def _figure(measurements: list[Measurement], contender: str, what: str, figure: str) -> dict[int, float]:
    found = _ok(measurements, contender, what)
    if figure == "worker_rss_mib":
        return {r: m.worker_rss_mib for r, m in found.items() if m.worker_rss_mib is not None}
    return {r: m.figures[figure] for r, m in found.items() if figure in m.figures}


def _ratios(mine: dict[int, float], theirs: dict[int, float]) -> dict[int, float]:
    """Round by round: the contenders of one round ran back to back, so the machine's mood cancels."""
    return {r: mine[r] / theirs[r] for r in mine if theirs.get(r)}


def _cell(values: dict[int, float], digits: int = 1, suffix: str = "") -> str:
    spread = Spread.of(values.values())
    return "-" if spread is None else spread.format(digits) + suffix


def _pooled_cpu_per_mib(measurements: list[Measurement], contender: str) -> dict[int, float]:
    """Worker CPU per MiB over every concurrency of a round."""
    cpu: dict[int, float] = {}
    mib: dict[int, float] = {}
    for m in measurements:
        if m.contender == contender and m.what.startswith("large") and m.outcome == "ok" and m.worker_cpu_seconds:
            cpu[m.round] = cpu.get(m.round, 0.0) + m.worker_cpu_seconds * 1000
            mib[m.round] = mib.get(m.round, 0.0) + m.bytes / MIB
    return {r: cpu[r] / mib[r] for r in cpu if mib.get(r)}


def tables(measurements: list[Measurement], plan: Plan) -> tuple[str, list[dict[str, Any]]]:
    from .report import table

    large_rows = []
    for server in plan.servers:
        for concurrency in plan.concurrency:
            what = f"large C={concurrency}"
            proxied = _figure(measurements, server, what, "mib_s")
            direct = _figure(measurements, DIRECT, what, "mib_s")
            large_rows.append(
                [
                    server,
                    str(concurrency),
                    _cell(proxied, 0),
                    _cell(direct, 0),
                    _cell(_ratios(proxied, direct), 2, "x"),
                    _cell(_figure(measurements, server, what, "cpu_ms_per_mib"), 2),
                    _cell(_figure(measurements, server, what, "worker_rss_mib"), 0),
                ]
            )
    large = table(
        [
            "server (2 workers)",
            "C",
            "MiB/s proxied",
            "MiB/s direct",
            "proxied/direct",
            "worker CPU ms/MiB",
            "worker RSS MiB",
        ],
        large_rows,
    )
    small_rows = []
    for server in plan.servers:
        proxied = _figure(measurements, server, "small proxied", "requests_s")
        plain = _figure(measurements, server, "small plain", "requests_s")
        direct = _figure(measurements, DIRECT, "small direct", "requests_s")
        cpu_proxied = _figure(measurements, server, "small proxied", "cpu_ms_per_request")
        cpu_plain = _figure(measurements, server, "small plain", "cpu_ms_per_request")
        small_rows.append(
            [
                server,
                _cell(proxied, 0),
                _cell(plain, 0),
                _cell(direct, 0),
                _cell(_ratios(proxied, direct), 2, "x"),
                _cell(cpu_proxied, 2),
                _cell(cpu_plain, 2),
                _cell(_ratios(cpu_proxied, cpu_plain), 2, "x"),
                _cell(_figure(measurements, server, "small behind slow clients", "latency_ms"), 0),
            ]
        )
    small = table(
        [
            "server (2 workers)",
            "req/s proxied",
            "req/s plain view",
            "req/s direct",
            "proxied/direct",
            "CPU ms/req proxied",
            "CPU ms/req plain",
            "proxied/plain CPU",
            f"1 KiB GET ms, {SLOW_CLIENTS} slow downloads",
        ],
        small_rows,
    )
    verdicts = _verdicts(measurements, plan)
    lines = [
        f"Concurrency: {plan.size_mib} MiB file via /b2/, {WORKERS} workers per server, curl clients, "
        f"{plan.rounds} round(s) with the contenders interleaved: median (min-max); ratios are taken round by "
        "round. direct = curl from the local B2 server itself; worker RSS = the highest RSS of one worker",
        "",
        large,
        "",
        f"1 KiB file, {plan.small_requests} requests, {plan.small_concurrency} at a time; plain view = a Django view "
        f"answering 1 KiB from memory, through the same middleware; last column: the median time of a proxied 1 KiB "
        f"GET while {SLOW_CLIENTS} clients download the big file at {plan.size_mib / SLOW_SECONDS:.1f} MiB/s each",
        "",
        small,
        "",
        table(["target (every round)", "verdict"], [[v["target"], v["verdict"]] for v in verdicts]),
    ]
    return "\n".join(lines), verdicts


def _verdicts(measurements: list[Measurement], plan: Plan) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def add(text: str, per_round: dict[int, float], limit: float) -> None:
        outcome = verdict(value <= limit for value in per_round.values())
        found.append({"scenario": "concurrency", "target": text, "verdict": outcome, "rounds": per_round})

    if ASGI in plan.servers and WSGI in plan.servers:
        add(
            f"{ASGI} worker CPU per MiB <= {PARITY:g}x {WSGI}'s",
            _ratios(_pooled_cpu_per_mib(measurements, ASGI), _pooled_cpu_per_mib(measurements, WSGI)),
            PARITY,
        )
        add(
            f"{ASGI} worker CPU per proxied 1 KiB GET <= {PARITY:g}x {WSGI}'s",
            _ratios(
                _figure(measurements, ASGI, "small proxied", "cpu_ms_per_request"),
                _figure(measurements, WSGI, "small proxied", "cpu_ms_per_request"),
            ),
            PARITY,
        )
    for server in plan.servers:
        add(
            f"{server}: CPU per proxied 1 KiB GET <= {SMALL_OVERHEAD:g}x the plain view's",
            _ratios(
                _figure(measurements, server, "small proxied", "cpu_ms_per_request"),
                _figure(measurements, server, "small plain", "cpu_ms_per_request"),
            ),
            SMALL_OVERHEAD,
        )
    if ASGI in plan.servers and len(plan.concurrency) > 1:
        low, high = min(plan.concurrency), max(plan.concurrency)
        streams = (high - low) / WORKERS  # more concurrent streams per worker at the highest concurrency
        rss_low = _figure(measurements, ASGI, f"large C={low}", "worker_rss_mib")
        rss_high = _figure(measurements, ASGI, f"large C={high}", "worker_rss_mib")
        add(
            f"{ASGI} worker RSS growth C={low} -> C={high} <= {RSS_PER_STREAM_MIB:g} MiB per extra stream",
            {r: (rss_high[r] - rss_low[r]) / streams for r in rss_high if r in rss_low},
            RSS_PER_STREAM_MIB,
        )
    return found


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json

    parser = argparse.ArgumentParser(prog="python -m benchmarks.concurrency", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--servers", nargs="+", default=list(DEFAULT_SERVERS), choices=list(ALL_SERVERS))
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    arguments = parser.parse_args(argv)
    plan = Plan(arguments.size, tuple(arguments.concurrency), arguments.rounds, servers=tuple(arguments.servers))
    out = ROOT / "bench-results"
    measurements = Run(plan, out / "logs", out / "fixtures", lambda text: print(text, file=sys.stderr)).run()
    text, _verdicts = tables(measurements, plan)
    print(text)
    (out / "concurrency.json").write_text(json.dumps([m.as_dict() for m in measurements], indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
