"""Load on the sample app as deployed (gunicorn workers on a local B2 server process): a bounded mix of
uploads through the sample's upload pages and proxied downloads through ``/b2/``, ``/b2l/`` and
``/b2s/`` (whole, ranged, conditional, HEAD, and refused ones), every answer checked against what was
uploaded, with figures: statuses, latency, the workers' memory and the B2 calls it cost.

    python -m benchmarks.load --requests 1500 --seconds 45 --threads 8 --workers 3

The run stops at whichever bound comes first, the request count or the time.
"""

from __future__ import annotations

import argparse
import html
import random
import re
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

from django_backblaze_b2.testing import transaction_class

from .measure import MIB
from .processes import rss_bytes
from .sample_deployment import Deployment, Visitor, deploy, prepare_database

#: The sample's proxied shelves (``/storages/<slug>/``) and the route their links go through.
ROUTES = {"public": "/b2/", "logged-in": "/b2l/", "staff": "/b2s/"}
#: What each visitor gets from each shelf's links: 200 is the file; 302 goes to the login page.
ACCESS = {
    "public": {"anonymous": 200, "alice": 200, "staff": 200},
    "logged-in": {"anonymous": 302, "alice": 200, "staff": 200},
    "staff": {"anonymous": 302, "alice": 403, "staff": 200},
}
UPLOADERS = {"public": ("alice", "staff"), "logged-in": ("alice", "staff"), "staff": ("staff",)}
#: Operations and how often each is drawn.
MIX = {"upload": 8, "get": 25, "range": 30, "conditional": 20, "head": 5, "refused": 12}
#: Upload sizes: mostly small, some around a megabyte, a few above the sample's
#: FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MiB), which Django spools to disk and the library uploads from there.
SIZES = ((70, 1, 16 * 1024), (25, 16 * 1024, MIB // 2), (5, 2_700_000, 3 * MIB))
#: When the workers' memory is read, as a share of the planned requests (then once more at the end).
#: "start" comes after a warm-up: a worker's first requests import and cache what every later one uses.
SAMPLES = {"start": 0.1, "middle": 0.55}
ROW = r'<tr data-name="[^"]*/{name}">.*?<a class="download" href="([^"]+)"'


@dataclass
class StoredFile:
    shelf: str
    href: str
    data: bytes
    etag: str | None = None


@dataclass
class Figures:
    planned: int
    threads: int
    workers: int
    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    #: Resident memory of each gunicorn worker, by pid, then by moment ("boot", "start", "middle", "end").
    rss: dict[int, dict[str, int]] = field(default_factory=dict)
    b2_calls: Counter[str] = field(default_factory=Counter)
    b2_by_class: dict[str, int] = field(default_factory=dict)
    uploaded: int = 0
    uploaded_bytes: int = 0
    verified: int = 0
    verified_bytes: int = 0

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)

    def rss_growth(self) -> int:
        """The largest growth of one worker's memory from "start" to "end" (bytes)."""
        return max((moments["end"] - moments["start"] for moments in self.rss.values()), default=0)

    def percentile(self, kind: str | None, share: float) -> float:
        values = sorted(v for k, vs in self.latencies.items() if kind in (None, k) for v in vs)
        if not values:
            return 0.0
        return values[min(len(values) - 1, int(share * len(values)))]

    def lines(self) -> list[str]:
        statuses = ", ".join(f"{status} {count}" for status, count in sorted(self.statuses.items()))
        rate = self.requests / self.seconds if self.seconds else 0.0
        kinds = ["all", *sorted(self.latencies)]
        latency = ", ".join(
            f"{kind} {self.percentile(None if kind == 'all' else kind, 0.5) * 1000:.0f}/"
            f"{self.percentile(None if kind == 'all' else kind, 0.95) * 1000:.0f}"
            for kind in kinds
        )
        memory = "; ".join(
            f"{pid} " + "/".join(f"{moments.get(m, 0) / MIB:.1f}" for m in ("boot", "start", "middle", "end"))
            for pid, moments in sorted(self.rss.items())
        )
        calls = ", ".join(f"{name} {count}" for name, count in self.b2_calls.most_common())
        by_class = ", ".join(f"{klass} {count}" for klass, count in sorted(self.b2_by_class.items()))
        return [
            f"load: {self.requests} requests in {self.seconds:.1f} s ({rate:.0f}/s), {self.threads} client threads, "
            f"{self.workers} gunicorn workers; by status {statuses}; {self.server_errors} 5xx, "
            f"{len(self.failures)} failures",
            f"load latency ms p50/p95: {latency}",
            f"load data: {self.uploaded} files uploaded ({self.uploaded_bytes / MIB:.1f} MiB), "
            f"{self.verified} bodies verified byte-exact ({self.verified_bytes / MIB:.1f} MiB)",
            f"load worker RSS MiB boot/start/middle/end: {memory}; largest growth start-end "
            f"{self.rss_growth() / MIB:.1f} MiB",
            f"load B2 calls {sum(self.b2_calls.values())} (class {by_class}): {calls}",
            *(f"load failure: {failure}" for failure in self.failures[:20]),
        ]


class LoadRun:
    """Drives one deployment with ``threads`` client threads until ``requests`` requests were sent or
    ``seconds`` passed, checking every answer."""

    def __init__(
        self, deployment: Deployment, *, requests: int = 1500, seconds: float = 45.0, threads: int = 8, seed: int = 0
    ) -> None:
        self.deployment = deployment
        self.planned = requests
        self.seconds = seconds
        self.threads = threads
        self.seed = seed
        self.figures = Figures(planned=requests, threads=threads, workers=len(deployment.worker_pids()))
        self._lock = threading.Lock()
        self._issued = 0
        self._deadline = 0.0
        self._files: list[StoredFile] = []
        self._sampled: set[str] = set()
        self._pids: list[int] = []

    # -- the run ---------------------------------------------------------------------------------

    def run(self) -> Figures:
        figures = self.figures
        self._pids = self.deployment.worker_pids()
        self._sample_memory("boot")
        calls_before = self.deployment.b2.calls.counts
        visitors = {
            "anonymous": Visitor(self.deployment.base_url),
            "alice": Visitor(self.deployment.base_url, "alice"),
            "staff": Visitor(self.deployment.base_url, "staff"),
        }
        started = time.monotonic()
        self._deadline = started + self.seconds
        seeding = random.Random(self.seed)  # noqa: S311 (test data, not secrets)
        for shelf in ROUTES:  # every shelf has a file before the threads pick files to download
            self._upload(seeding, visitors, shelf, f"seed-{shelf}", -1)
        clients = [
            threading.Thread(target=self._client, args=(number, visitors), name=f"load-{number}", daemon=True)
            for number in range(self.threads)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        figures.seconds = time.monotonic() - started
        for moment in SAMPLES:  # a run cut short by the clock never reached these
            self._sample_memory(moment)
        self._sample_memory("end")
        if self.deployment.worker_pids() != self._pids:
            figures.failures.append(f"gunicorn workers changed: {self._pids} -> {self.deployment.worker_pids()}")
        figures.b2_calls = self.deployment.b2.calls.counts - calls_before
        figures.b2_by_class = {"A": 0, "B": 0, "C": 0}
        for name, count in figures.b2_calls.items():
            figures.b2_by_class[transaction_class(name)] += count
        return figures

    def _client(self, number: int, visitors: dict[str, Visitor]) -> None:
        rng = random.Random(f"{self.seed}-{number}")  # noqa: S311 (test data, not secrets)
        mine = {who: visitor.twin() for who, visitor in visitors.items()}
        operations: dict[str, Callable[[random.Random, dict[str, Visitor], int], None]] = {
            "upload": self._random_upload,
            "get": self._get,
            "range": self._range,
            "conditional": self._conditional,
            "head": self._head,
            "refused": self._refused,
        }
        counter = 0
        while self._reserve():
            operation = rng.choices(list(MIX), weights=list(MIX.values()))[0]
            counter += 1
            try:
                operations[operation](rng, mine, number * 100_000 + counter)
            except Exception as exc:  # a dropped connection, a timeout, a page not as expected
                self._fail(f"{operation}: {type(exc).__name__}: {exc}")

    def _reserve(self) -> bool:
        """Whether one more request fits in the bounds (and count it)."""
        with self._lock:
            if self._issued >= self.planned or time.monotonic() >= self._deadline:
                return False
            self._issued += 1
            done = self._issued / self.planned
        for moment, share in SAMPLES.items():
            if done >= share:
                self._sample_memory(moment)
        return True

    def _sample_memory(self, moment: str) -> None:
        with self._lock:
            if moment in self._sampled:
                return
            self._sampled.add(moment)
        for pid in self._pids:
            try:
                self.figures.rss.setdefault(pid, {})[moment] = rss_bytes(pid)
            except OSError:
                self._fail(f"gunicorn worker {pid} is gone at {moment}")

    # -- requests ---------------------------------------------------------------------------------

    def _send(self, kind: str, call: Callable[[], requests.Response]) -> requests.Response:
        began = time.monotonic()
        response = call()
        elapsed = time.monotonic() - began
        with self._lock:
            self.figures.statuses[response.status_code] += 1
            self.figures.latencies.setdefault(kind, []).append(elapsed)
        if response.status_code >= 500:
            self._fail(f"{kind} {response.request.method} {response.url}: {response.status_code}")
        return response

    def _fail(self, message: str) -> None:
        with self._lock:
            self.figures.failures.append(message)

    def _verified(self, size: int) -> None:
        with self._lock:
            self.figures.verified += 1
            self.figures.verified_bytes += size

    def _pick(self, rng: random.Random, allowed: Callable[[StoredFile], bool]) -> StoredFile | None:
        with self._lock:
            candidates = [stored for stored in self._files if allowed(stored)]
        return rng.choice(candidates) if candidates else None

    def _random_upload(self, rng: random.Random, visitors: dict[str, Visitor], number: int) -> None:
        self._upload(rng, visitors, rng.choice(list(ROUTES)), f"load-{number}", number)

    def _upload(self, rng: random.Random, visitors: dict[str, Visitor], shelf: str, stem: str, number: int) -> None:
        """Upload through the shelf's page as a user allowed to, then find the file's link on the page."""
        self._reserve()  # the page after the upload is one more request
        uploader = visitors[rng.choice(UPLOADERS[shelf])]
        _weight, low, high = rng.choices(SIZES, weights=[weight for weight, _low, _high in SIZES])[0]
        data = rng.randbytes(rng.randint(low, high))
        name = f"{stem}.bin"
        page = f"/storages/{shelf}/"
        posted = self._send(
            "upload", lambda: uploader.post(page, {}, files={"file": (name, data)}, allow_redirects=False)
        )
        if posted.status_code != 302 or posted.headers.get("Location") != page:
            self._fail(f"upload of {name} to {shelf}: {posted.status_code} {posted.headers.get('Location')}")
            return
        listing = self._send("page", lambda: uploader.get(page))
        match = re.search(ROW.format(name=re.escape(name)), listing.text, re.DOTALL)
        if match is None:
            self._fail(f"uploaded {name} to {shelf}, but its page does not list it")
            return
        href = html.unescape(match.group(1))
        if not href.startswith(ROUTES[shelf]):
            self._fail(f"{name} on {shelf} links to {href}, not through {ROUTES[shelf]}")
            return
        with self._lock:
            self._files.append(StoredFile(shelf, href, data))
            self.figures.uploaded += 1
            self.figures.uploaded_bytes += len(data)

    def _allowed_visit(self, rng: random.Random, visitors: dict[str, Visitor]) -> tuple[Visitor, StoredFile] | None:
        who = rng.choice(list(visitors))
        stored = self._pick(rng, lambda f: ACCESS[f.shelf][who] == 200)
        return None if stored is None else (visitors[who], stored)

    def _get(self, rng: random.Random, visitors: dict[str, Visitor], number: int) -> None:
        visit = self._allowed_visit(rng, visitors)
        if visit is not None:
            self._get_whole(*visit)

    def _get_whole(self, visitor: Visitor, stored: StoredFile) -> None:
        response = self._send("get", lambda: visitor.get(stored.href))
        if response.status_code != 200 or response.content != stored.data:
            self._fail(f"GET {stored.href}: {response.status_code}, {len(response.content)} of {len(stored.data)} B")
            return
        self._verified(len(stored.data))
        stored.etag = response.headers.get("ETag")

    def _range(self, rng: random.Random, visitors: dict[str, Visitor], number: int) -> None:
        visit = self._allowed_visit(rng, visitors)
        if visit is None:
            return
        visitor, stored = visit
        size = len(stored.data)
        first = rng.randrange(size)
        form = rng.choice(["first-last", "first-", "-suffix", "past the end"])
        if form == "first-last":
            last = first + rng.randrange(256 * 1024)
            header, start, stop = f"bytes={first}-{last}", first, min(last + 1, size)
        elif form == "first-":
            header, start, stop = f"bytes={first}-", first, size
        elif form == "-suffix":
            suffix = rng.randint(1, size + 10)
            header, start, stop = f"bytes=-{suffix}", max(0, size - suffix), size
        else:
            header, start, stop = f"bytes={size}-", size, size
        response = self._send("range", lambda: visitor.get(stored.href, headers={"Range": header}))
        if start >= size:
            expected = (416, f"bytes */{size}", b"")
            body: bytes = b""
        else:
            expected = (206, f"bytes {start}-{stop - 1}/{size}", stored.data[start:stop])
            body = response.content
        answered = (response.status_code, response.headers.get("Content-Range"), body)
        if answered != expected:
            self._fail(f"{header} of {stored.href} ({size} B): {answered[:2]}, {len(body)} B; expected {expected[:2]}")
            return
        self._verified(len(body))

    def _conditional(self, rng: random.Random, visitors: dict[str, Visitor], number: int) -> None:
        visit = self._allowed_visit(rng, visitors)
        if visit is None:
            return
        visitor, stored = visit
        if stored.etag is None:
            self._get_whole(visitor, stored)  # a browser has the ETag of an earlier answer
            return
        etag = stored.etag
        response = self._send("304", lambda: visitor.get(stored.href, headers={"If-None-Match": etag}))
        if response.status_code != 304 or response.content or response.headers.get("ETag") != etag:
            self._fail(f"If-None-Match {etag} on {stored.href}: {response.status_code}, {len(response.content)} B")

    def _head(self, rng: random.Random, visitors: dict[str, Visitor], number: int) -> None:
        visit = self._allowed_visit(rng, visitors)
        if visit is None:
            return
        visitor, stored = visit
        response = self._send("head", lambda: visitor.head(stored.href))
        if response.status_code != 200 or response.headers.get("Content-Length") != str(len(stored.data)):
            self._fail(f"HEAD {stored.href}: {response.status_code}, Content-Length {response.headers}")

    def _refused(self, rng: random.Random, visitors: dict[str, Visitor], number: int) -> None:
        who = rng.choice(["anonymous", "alice"])
        stored = self._pick(rng, lambda f: ACCESS[f.shelf][who] != 200)
        if stored is None:
            return
        expected = ACCESS[stored.shelf][who]
        response = self._send("refused", lambda: visitors[who].get(stored.href, allow_redirects=False))
        location = response.headers.get("Location", "")
        leaked = len(stored.data) >= 16 and stored.data in response.content
        if response.status_code != expected or leaked or (expected == 302 and not location.startswith("/accounts/")):
            self._fail(f"{who} got {response.status_code} (Location {location!r}) for {stored.href}; leaked={leaked}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1500, help="stop after this many requests (default 1500)")
    parser.add_argument("--seconds", type=float, default=45.0, help="or after this many seconds (default 45)")
    parser.add_argument("--threads", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    # A SIGTERM unwinds like Ctrl-C, so the gunicorn and B2 server processes are stopped, not orphaned.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    with tempfile.TemporaryDirectory(prefix="b2-load-") as workdir:
        prepare_database(Path(workdir))
        with deploy(Path(workdir), workers=args.workers) as deployment:
            run = LoadRun(
                deployment, requests=args.requests, seconds=args.seconds, threads=args.threads, seed=args.seed
            )
            figures = run.run()
    print("\n".join(figures.lines()))
    return 1 if figures.failures or figures.server_errors else 0


if __name__ == "__main__":
    sys.exit(main())
