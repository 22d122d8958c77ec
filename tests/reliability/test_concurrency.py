"""Many callers at once, over HTTP: threads sharing one storage, and processes racing for one name.

Nothing may be lost or silently replaced: every saved file reads back with its own SHA-1, and saves of
one name with overwrites off give as many distinct files as saves (``_settle_name_race``).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from django.core.files.base import ContentFile

from django_backblaze_b2 import BackblazeB2Storage
from django_backblaze_b2.testing import SimulatedB2

from .conftest import PART, Tally, sha1

ROOT = Path(__file__).resolve().parents[2]


def run_threads(count: int, work: Callable[[int], None]) -> list[BaseException]:
    """Run ``work(n)`` in ``count`` threads released together; the exceptions they raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(n: int) -> None:
        try:
            start.wait()
            work(n)
        except BaseException as error:  # reported by the caller
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_threads_sharing_one_storage_lose_nothing(served: SimulatedB2, tally: Tally) -> None:
    storage = BackblazeB2Storage()
    saved: dict[str, str] = {}  # stored name -> SHA-1 of the last save under it
    saves: list[str] = []
    deleted: set[str] = set()
    lock = threading.Lock()

    def worker(n: int) -> None:
        rng = random.Random(n)
        for i in range(6):
            data = os.urandom(rng.choice([0, 1, 1000, 64 * 1024, 300_000]))
            # Names come back: a thread's second save of a name gets an alternative name.
            name = storage.save(f"shared/{n}/{'abc'[i % 3]}.bin", ContentFile(data))
            with lock:
                saved[name] = sha1(data)
                saves.append(name)
                deleted.discard(name)
            assert storage.exists(name)
            assert storage.size(name) == len(data)
            with storage.open(name) as file:
                assert sha1(file.read()) == sha1(data)
            if i % 3 == 2:
                storage.delete(name)
                assert not storage.exists(name)
                with lock:
                    deleted.add(name)
            storage.listdir(f"shared/{n}")

    errors = run_threads(8, worker)
    assert errors == []
    assert len(saves) == 48
    kept = {name: digest for name, digest in saved.items() if name not in deleted}
    assert served.file_names("django") == sorted(kept)
    for name, digest in kept.items():
        with storage.open(name) as file:
            assert sha1(file.read()) == digest
    tally.succeeded += 48 * 5 + len(deleted)
    tally.verified += 48 + len(kept)


def test_threads_saving_one_name_keep_their_own_files(served: SimulatedB2, tally: Tally) -> None:
    storage = BackblazeB2Storage()
    contents = [os.urandom(1000 + n) for n in range(10)]
    stored: dict[int, str] = {}

    def save(n: int) -> None:
        stored[n] = storage.save("same.txt", ContentFile(contents[n]))

    assert run_threads(len(contents), save) == []
    assert len(set(stored.values())) == len(contents)  # as many distinct files as saves
    for n, name in stored.items():  # once the saves have returned, each name holds its own bytes
        with storage.open(name) as file:
            assert sha1(file.read()) == sha1(contents[n])
        assert served.file_versions("django", name) == 1
    tally.succeeded += len(contents)
    tally.verified += len(contents)


def test_threads_saving_one_large_name_each_keep_their_own_file(served: SimulatedB2, tally: Tally) -> None:
    """Large files too: each save uploads into a large file of its own (b2sdk would share one)."""
    storage = BackblazeB2Storage()
    contents = [os.urandom(2 * PART + 1) for _ in range(3)]
    stored: dict[int, str] = {}

    def save(n: int) -> None:
        stored[n] = storage.save("video.bin", ContentFile(contents[n]))

    assert run_threads(len(contents), save) == []
    assert len(set(stored.values())) == len(contents)
    for n, name in stored.items():
        with storage.open(name) as file:
            assert sha1(file.read()) == sha1(contents[n])
    assert served.file_versions("django", "video.bin") == 1
    tally.succeeded += len(contents)
    tally.verified += len(contents)


def test_processes_racing_for_one_name_each_keep_their_own_file(served: SimulatedB2, tally: Tally) -> None:
    config = {
        "realm": served.realm,
        "application_key_id": served.key_id,
        "application_key": served.key,
        "bucket": "race-bucket",
        "account_info": {"type": "memory"},
    }
    served.create_bucket("race-bucket")
    environment = {**os.environ, "B2_WORKER_CONFIG": json.dumps(config), "PYTHONPATH": str(ROOT)}
    jobs = [(f"report.txt:{1000 + n}:{n}", f"video.bin:{2 * PART + 1}:{100 + n}") for n in range(3)]
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.save_worker", *job],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=environment,
            cwd=ROOT,
        )
        for job in jobs
    ]
    try:
        for worker in workers:
            assert worker.stdout is not None
            first_line = worker.stdout.readline()
            assert first_line.strip() == "ready", first_line + worker.stdout.read()
        outputs = [worker.communicate("go\n", timeout=120)[0] for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.communicate()
    results = [json.loads(line) for output in outputs for line in output.splitlines()]
    assert len(results) == 6
    storage = BackblazeB2Storage(bucket="race-bucket")
    for asked in ("report.txt", "video.bin"):
        mine = [r for r in results if r["asked"] == asked]
        assert len({r["stored"] for r in mine}) == 3  # three saves, three files: none replaced
        for result in mine:
            with storage.open(result["stored"]) as file:
                assert sha1(file.read()) == result["sha1"]
        assert served.file_versions("race-bucket", asked) == 1
    tally.succeeded += len(results)
    tally.verified += len(results)
    tally.extra["racing processes"] = str(len(workers))
