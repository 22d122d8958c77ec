"""A simulated B2 for tests and for running without a B2 account.

With ``BACKBLAZE_CONFIG["simulator"] = True`` every storage in the process talks to one shared
in-process simulated B2 (b2sdk's own ``RawSimulator``, with B2's part sizes); buckets are created on
demand and no credentials are needed.

In tests, :func:`simulated_b2` gives a fresh, empty simulated B2 for the duration of a ``with``
block, and its :attr:`SimulatedB2.calls` counts B2 API calls by name so a test can hold code to a
call budget::

    from django_backblaze_b2.testing import simulated_b2

    def test_upload_costs_one_call(settings):
        settings.BACKBLAZE_CONFIG = {"simulator": True, "bucket": "media"}
        with simulated_b2() as b2:
            storage = BackblazeB2Storage()
            storage.save("a.txt", ContentFile(b"hi"))
            assert b2.calls["b2_upload_file"] == 1

With pytest, add ``pytest_plugins = ["django_backblaze_b2.testing.pytest_plugin"]`` to your
``conftest.py`` and use the ``b2`` fixture (a fresh :class:`SimulatedB2` per test).
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from b2sdk.v2 import B2Api, B2HttpApiConfig, Bucket, InMemoryAccountInfo

from ..client import forget_clients, register_simulator
from .simulator import MB, CallLog, RealisticRawSimulator, transaction_class

__all__ = ["MB", "CallLog", "SimulatedB2", "current_simulator", "simulated_b2", "transaction_class"]


class SimulatedB2:
    """One simulated B2 cloud: its own account, buckets, files and call counts.

    In process (the default), b2sdk calls the simulator directly. With ``served=True`` the same
    simulator sits behind the local B2 server (:mod:`.server`) on 127.0.0.1, and every call takes
    b2sdk's real HTTP path: streaming, retries, re-authorization, enforced download authorization.
    """

    def __init__(self, *, recommended_part_size: int = 100 * MB, served: bool = False) -> None:
        self.server: Any = None
        if served:
            from .server import DEFAULT_KEY_ID, LocalB2Server

            # A key id of its own: the realm is only 127.0.0.1 and a port, and a later server given the
            # same port must not read this one's bucket ids from a shared cache.
            key_id = f"{DEFAULT_KEY_ID}-{uuid.uuid4().hex[:12]}"
            self.server = LocalB2Server(key_id=key_id, recommended_part_size=recommended_part_size).start()
            self.raw = self.server.simulator
            self.key_id, self.key, self.realm = self.server.key_id, self.server.key, self.server.realm
        else:
            self.raw = RealisticRawSimulator(recommended_part_size=recommended_part_size)
            self.key_id, self.key = self.raw.create_account()
            # A realm of its own keeps cached authorizations of different simulators apart.
            self.realm = f"http://simulated-b2-{uuid.uuid4().hex[:12]}.invalid"

    @property
    def in_process(self) -> bool:
        return self.server is None

    def api_config(self) -> B2HttpApiConfig:
        """How a ``B2Api`` reaches this simulated B2: its raw API in process, else HTTP to the server."""
        return B2HttpApiConfig() if self.server is not None else B2HttpApiConfig(_raw_api_class=RealisticRawSimulator)

    def attach(self, api: B2Api) -> None:
        if self.server is None:
            api.session.raw_api = self.raw

    @property
    def calls(self) -> CallLog:
        return self.raw.call_log if self.server is None else self.server.calls  # type: ignore[no-any-return]

    def expire_tokens(self) -> None:
        """Make every authorization token invalid, as B2 does after 24 hours."""
        if self.server is not None:
            self.server.faults.expire_tokens()
        else:
            for token in list(self.raw.auth_token_to_key):
                self.raw.expire_auth_token(token)

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()

    @property
    def recommended_part_size(self) -> int:
        return int(self.raw.recommended_part_size)

    def api(self) -> B2Api:
        """A separate, authorized ``B2Api`` on this simulated B2 (for test set-up and inspection)."""
        api = B2Api(InMemoryAccountInfo(), api_config=self.api_config())
        self.attach(api)
        api.authorize_account(self.realm, self.key_id, self.key)
        return api

    def create_bucket(self, name: str, bucket_type: str = "allPrivate", **details: Any) -> Bucket:
        """Create a bucket without counting the calls it takes."""
        before = dict(self.calls.counts)
        bucket = self.api().create_bucket(name, bucket_type, **details)
        self.calls.counts.clear()
        self.calls.counts.update(before)
        return bucket

    def file_names(self, bucket_name: str) -> list[str]:
        """Names of the visible files in a bucket, read straight from the simulator (no call counted)."""
        bucket = self.raw.bucket_name_to_bucket.get(bucket_name)
        if bucket is None:
            return []
        names: list[str] = []
        for (name, _file_id), file_sim in sorted(bucket.file_name_and_id_to_file.items()):
            if (not names or names[-1] != name) and file_sim.is_visible():
                names.append(name)
        return sorted(set(names))

    def file_versions(self, bucket_name: str, file_name: str) -> int:
        """How many versions (uploads and hide markers) of a name the bucket holds."""
        bucket = self.raw.bucket_name_to_bucket.get(bucket_name)
        if bucket is None:
            return 0
        return sum(1 for (name, _id) in bucket.file_name_and_id_to_file if name == file_name)

    def __repr__(self) -> str:
        return f"SimulatedB2(realm={self.realm!r}, calls={self.calls!r})"


_lock = threading.Lock()
_current: SimulatedB2 | None = None


#: With this environment variable set to "1", the process's shared simulated B2 sits behind a local B2
#: server thread: a browser can reach it (direct uploads in ``make run``).
SERVED_ENVIRONMENT_VARIABLE = "DJANGO_B2_SIMULATOR_SERVED"


def current_simulator() -> SimulatedB2:
    """The process's shared simulated B2, created on first use."""
    global _current
    with _lock:
        if _current is None:
            _current = SimulatedB2(served=os.environ.get(SERVED_ENVIRONMENT_VARIABLE) == "1")
        return _current


@contextmanager
def simulated_b2(*, recommended_part_size: int = 100 * MB, served: bool = False) -> Iterator[SimulatedB2]:
    """A fresh simulated B2 that every ``simulator: True`` storage uses inside the block.

    ``served=True`` puts it behind a local B2 server thread, so the storages talk HTTP to it.
    """
    global _current
    fresh = SimulatedB2(recommended_part_size=recommended_part_size, served=served)
    with _lock:
        previous, _current = _current, fresh
    forget_clients()
    try:
        yield fresh
    finally:
        with _lock:
            _current = previous
        forget_clients()
        fresh.close()


register_simulator(current_simulator)
