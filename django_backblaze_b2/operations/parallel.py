"""Work on many files in a bounded thread pool."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Items in flight per worker: enough to keep the workers busy, few enough to stay small.
AHEAD = 4


def in_threads(func: Callable[[T], R], items: Iterable[T], workers: int, *, name: str = "b2-bulk") -> Iterator[R]:
    """``func`` over ``items`` in ``workers`` threads, yielding results as they finish.

    ``items`` is read as the work goes, at most ``AHEAD`` per worker ahead of it, so a stream of a
    million names never becomes a million futures.
    """
    if workers < 1:
        raise ValueError("workers must be at least 1.")
    pending: set[Future[R]] = set()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name) as pool:
        for item in items:
            pending.add(pool.submit(func, item))
            if len(pending) >= workers * AHEAD:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        for future in as_completed(pending):
            yield future.result()
