"""What each scenario does inside its worker process, and what it reports.

Transaction scenarios run on the in-process simulator, which counts calls; they warm the storage
first (authorized, bucket looked up: a process that has served requests already), then count one
operation. Big-file scenarios run against the local B2 server and measure peak memory above the
baseline, time, throughput and time to first byte. Each checks its result: a fast wrong answer
must not pass for a fast right one.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import web
from .contenders import STORAGE_CLASSES, Contender
from .endpoints import B2Endpoint
from .measure import MIB, Stopwatch, cpu_ms_per_mib, peak_memory

SMALL = b"small file body " * 640  # 10 KiB
LINKS = 100
LINK_SECONDS = 3600
#: Files the transaction scenarios find in the bucket (uploaded before counting starts).
SET_UP_FILES = ["bench/existing.txt", "bench/small.txt", "bench/to-delete.txt", "bench/warm.txt", "bench/proxied.txt"]
WARM_FILE = "bench/warm.txt"


class WrongResult(Exception):  # noqa: N818 - a verdict
    """The operation answered, but not what it should have."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise WrongResult(message)


# -- transaction counts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Counted:
    action: Callable[[Contender], None]
    #: Extra warm-up before counting starts, beyond the contender's own.
    warm_up: Callable[[Contender], None] | None = None
    #: A check of what B2 holds afterwards (its calls are not counted).
    verify: Callable[[B2Endpoint], None] | None = None


def _save(name: str) -> Callable[[Contender], None]:
    def action(contender: Contender) -> None:
        from django.core.files.base import ContentFile

        saved = contender.save(name, ContentFile(SMALL))
        if contender.renames_taken_names:
            expect(saved != "bench/existing.txt", "saved over an existing file")

    return action


def _exists(name: str, expected: bool) -> Callable[[Contender], None]:
    def action(contender: Contender) -> None:
        expect(contender.exists(name) is expected, f"exists({name!r}) is not {expected}")

    return action


def _size(contender: Contender) -> None:
    size = contender.size("bench/existing.txt")
    expect(size == len(SMALL), f"size() gave {size}, not {len(SMALL)}")


def _url(storage_class: str) -> Callable[[Contender], None]:
    def action(contender: Contender) -> None:
        expect(bool(contender.url(storage_class, "bench/existing.txt")), "empty URL")

    return action


def _open_read(contender: Contender) -> None:
    file = contender.open("bench/small.txt")
    try:
        body = file.read()
    finally:
        file.close()
    expect(body == SMALL, f"read {len(body)} bytes, not the {len(SMALL)} stored")


def _delete(contender: Contender) -> None:
    contender.delete("bench/to-delete.txt")


def _deleted(endpoint: B2Endpoint) -> None:
    expect(endpoint.stored_size("bench/to-delete.txt") is None, "the file is still downloadable after delete()")


def _proxied_gets(times: int) -> Callable[[Contender], None]:
    def action(contender: Contender) -> None:
        for _ in range(times):
            answer = web.get("/b2l/bench/proxied.txt")
            expect(answer["status"] == 200, f"status {answer['status']}")
            expect(answer["bytes"] == len(SMALL), f"{answer['bytes']} bytes, not {len(SMALL)}")

    return action


def _warm_proxy(contender: Contender) -> None:
    web.get(f"/b2l/{WARM_FILE}")


def _links(contender: Contender) -> None:
    links = contender.expiring_links([f"bench/links/{i}.txt" for i in range(LINKS)], LINK_SECONDS)
    expect(len(set(links)) == LINKS, f"{len(set(links))} distinct links, not {LINKS}")


def _links_to_one_file(contender: Contender) -> None:
    links = contender.expiring_links(["bench/links/one.txt"] * LINKS, LINK_SECONDS)
    expect(len(links) == LINKS, f"{len(links)} links, not {LINKS}")


COUNTED: dict[str, Counted] = {
    "save-new": Counted(_save("bench/new.txt")),
    "save-existing-name": Counted(_save("bench/existing.txt")),
    "exists-hit": Counted(_exists("bench/existing.txt", True)),
    "exists-miss": Counted(_exists("bench/missing.txt", False)),
    "size": Counted(_size),
    **{f"url-{cls}": Counted(_url(cls)) for cls in STORAGE_CLASSES},
    "open-read-small": Counted(_open_read),
    "delete": Counted(_delete, verify=_deleted),
    "proxy-get-1": Counted(_proxied_gets(1), warm_up=_warm_proxy),
    "proxy-get-10": Counted(_proxied_gets(10), warm_up=_warm_proxy),
    "expiring-links-100": Counted(_links),
    "expiring-links-100-one-file": Counted(_links_to_one_file),
}


def run_counted(scenario: str, contender: Contender, endpoint: B2Endpoint) -> dict[str, Any]:
    counted = COUNTED[scenario]
    endpoint.put_files(SET_UP_FILES, SMALL)
    contender.warm_up()
    if counted.warm_up is not None:
        counted.warm_up(contender)
    endpoint.reset_calls()
    try:
        counted.action(contender)
        calls = endpoint.calls()
        if counted.verify is not None:
            counted.verify(endpoint)
    except WrongResult as wrong:
        return {"calls": endpoint.calls(), "wrong": str(wrong)}
    return {"calls": calls}


# -- memory, throughput, time to first byte -------------------------------------------------------


def _figures(size: int, watch: Stopwatch, memory: Any) -> dict[str, Any]:
    seconds = watch.stopped or watch.stop()
    return {
        "peak_mib": round(memory.above_baseline_mib, 1),
        "memory_method": memory.method,
        "seconds": round(seconds, 3),
        "mib_s": round(size / MIB / seconds, 1) if seconds else None,
        "ttfb_seconds": round(watch.first_byte, 4) if watch.first_byte is not None else None,
        "cpu_ms_per_mib": cpu_ms_per_mib(watch.cpu_seconds, size),
    }


def save_large(contender: Contender, endpoint: B2Endpoint, params: dict[str, Any]) -> dict[str, Any]:
    from django.core.files.uploadedfile import TemporaryUploadedFile

    size = params["size"]
    upload = TemporaryUploadedFile("large.bin", "application/octet-stream", size, None)
    with open(params["fixture"], "rb") as fixture:
        shutil.copyfileobj(fixture, upload, MIB)
    upload.flush()
    upload.seek(0)
    contender.warm_up()
    with peak_memory() as memory:
        watch = Stopwatch()
        saved = contender.save(f"bench/saved-{contender.name}.bin", upload)
        watch.stop()
    upload.close()
    stored = endpoint.stored_size(saved)
    endpoint.delete_all(saved)  # the server keeps stored bytes in memory
    return _checked(_figures(size, watch, memory), stored == size, f"B2 holds {stored} bytes, not {size}")


def read_large(contender: Contender, endpoint: B2Endpoint, params: dict[str, Any]) -> dict[str, Any]:
    size, chunk = params["size"], params["chunk"]
    contender.warm_up()
    received = 0
    with peak_memory() as memory:
        watch = Stopwatch()
        file = contender.open(params["name"])
        while data := file.read(chunk):
            watch.mark_first_byte()
            received += len(data)
        file.close()
        watch.stop()
    return _checked(_figures(size, watch, memory), received == size, f"read {received} bytes, not {size}")


def proxy_large(contender: Contender, endpoint: B2Endpoint, params: dict[str, Any]) -> dict[str, Any]:
    size = params["size"]
    contender.warm_up()
    _warm_proxy(contender)
    with peak_memory() as memory:
        answer = web.get(f"/b2l/{params['name']}")
    result = {**_timed(size, answer), "peak_mib": round(memory.above_baseline_mib, 1), "status": answer["status"]}
    right = answer["status"] == 200 and answer["bytes"] == size
    return _checked(result, right, f"status {answer['status']} with {answer['bytes']} bytes, not 200 with {size}")


def proxy_range(contender: Contender, endpoint: B2Endpoint, params: dict[str, Any]) -> dict[str, Any]:
    size = params["size"]
    start = size // 2
    contender.warm_up()
    _warm_proxy(contender)
    with peak_memory() as memory:
        answer = web.get(f"/b2l/{params['name']}", {"Range": f"bytes={start}-{start + 1023}"})
    return {
        "status": answer["status"],
        "bytes": answer["bytes"],
        "seconds": round(answer["seconds"], 3),
        "ttfb_seconds": _round(answer["ttfb_seconds"]),
        "peak_mib": round(memory.above_baseline_mib, 1),
    }


def _checked(figures: dict[str, Any], right: bool, problem: str) -> dict[str, Any]:
    return figures if right else {**figures, "wrong": problem}


def _timed(size: int, answer: dict[str, Any]) -> dict[str, Any]:
    seconds = answer["seconds"]
    return {
        "seconds": round(seconds, 3),
        "mib_s": round(size / MIB / seconds, 1) if seconds else None,
        "ttfb_seconds": _round(answer["ttfb_seconds"]),
        "cpu_ms_per_mib": cpu_ms_per_mib(answer["cpu_seconds"], size),
    }


def _round(seconds: float | None) -> float | None:
    return round(seconds, 4) if seconds is not None else None


MEASURED: dict[str, Callable[[Contender, B2Endpoint, dict[str, Any]], dict[str, Any]]] = {
    "save-large": save_large,
    "read-large": read_large,
    "proxy-large": proxy_large,
    "proxy-range": proxy_range,
}
