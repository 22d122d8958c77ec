"""A worker process of a deployment: its own Django, its storages, the shared cache and the local B2
server. Started by the multi-process tests with ``multiprocessing``'s spawn, so nothing is inherited."""

from __future__ import annotations

import hashlib
import traceback
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile

WORKER_THREADS = 2  # request threads per worker process, as a threaded gunicorn worker has


@dataclass
class Deployment:
    """What every worker is configured with (picklable: it crosses to the spawned processes)."""

    realm: str
    key_id: str
    key: str
    bucket: str
    caches: dict[str, Any]
    account_info: dict[str, str]
    databases: dict[str, Any] = field(default_factory=dict)


def configure(deployment: Deployment) -> None:
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        SECRET_KEY="tests-only",
        USE_TZ=True,
        INSTALLED_APPS=["django_backblaze_b2"],
        DATABASES=deployment.databases,
        CACHES=deployment.caches,
        BACKBLAZE_CONFIG={
            "realm": deployment.realm,
            "application_key_id": deployment.key_id,
            "application_key": deployment.key,
            "bucket": deployment.bucket,
            "account_info": deployment.account_info,
        },
        LOGGING_CONFIG=None,
    )
    django.setup()


def requests(worker: int, phase: int, count: int) -> dict[str, Any]:
    """``count`` requests split over request threads: mostly reads, a save every fourth request."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    from django_backblaze_b2.storage import BackblazeB2Storage

    def one(i: int) -> tuple[str, str] | str | None:
        storage = BackblazeB2Storage()  # a storage per request, as views often do: the connection is shared
        try:
            if i % 4 == 0:
                data = f"worker {worker} phase {phase} request {i}".encode() * 50
                name = storage.save(f"w{worker}/p{phase}/{i}.txt", ContentFile(data))
                return name, hashlib.sha1(data).hexdigest()
            with storage.open("shared/seed.txt") as f:
                if f.read() != SEED:
                    return "seed file came back different"
            return None
        except Exception:
            return traceback.format_exc()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(WORKER_THREADS) as pool:
        outcomes = list(pool.map(one, range(count)))
    saved = dict(o for o in outcomes if isinstance(o, tuple))
    failures = [o for o in outcomes if isinstance(o, str)]
    return {"saved": saved, "failures": failures}


SEED = b"read by every request\n" * 100


def verify(saved: dict[str, str]) -> list[str]:
    """Names whose content does not match its SHA-1 (read back through a fresh storage)."""
    from django_backblaze_b2.storage import BackblazeB2Storage

    storage = BackblazeB2Storage()
    bad = []
    for name, digest in saved.items():
        with storage.open(name) as f:
            if hashlib.sha1(f.read()).hexdigest() != digest:
                bad.append(name)
    return bad


def run(deployment: Deployment, worker: int, counts: list[int], barrier: Any, results: Any) -> None:
    """Configure Django; for each phase wait for the go (everyone starts together), run the requests,
    and report done; then check every file saved."""
    try:
        configure(deployment)
        saved: dict[str, str] = {}
        failures: list[str] = []
        for phase, count in enumerate(counts):
            barrier.wait(timeout=120)  # go
            outcome = requests(worker, phase, count)
            saved.update(outcome["saved"])
            failures += outcome["failures"]
            barrier.wait(timeout=120)  # done
        results.put({"worker": worker, "failures": failures, "saved": len(saved), "corrupt": verify(saved)})
    except Exception:
        results.put({"worker": worker, "failures": [traceback.format_exc()], "corrupt": [], "saved": 0})
        barrier.abort()
