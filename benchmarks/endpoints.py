"""The B2 a contender talks to, seen from inside the worker process.

Either b2sdk's simulator in the same process (``RealisticRawSimulator``, which counts every call by
its B2 API name: what the transaction scenarios read), or the local B2 server in another process
(for the big-file scenarios, whose memory must not include the stored bytes). Both are reached the
same way: a realm, an application key, a bucket.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from b2sdk.v2 import B2Api, B2HttpApiConfig, InMemoryAccountInfo
from b2sdk.v2.exception import FileNotPresent

ROOT = Path(__file__).resolve().parent.parent
BUCKET = "benchmarks"
#: The access mark this library's proxy routes read (``django_backblaze_b2.access.MARK_KEY``; spelled out
#: because the reference package has this library's name). Files put here for the ``/b2l/`` scenarios
#: carry the logged-in route's mark, as ``LoggedInStorage`` would have written: in one shared bucket the
#: routes refuse unmarked files. 7.0.0 and b2sdk ignore it.
MARK_KEY = "django-b2-route"
LOGGED_IN_MARK = {MARK_KEY: "logged_in"}
_SIMULATOR_SOURCE = ROOT / "django_backblaze_b2" / "testing" / "simulator.py"


def simulator_module() -> ModuleType:
    """This checkout's simulator, loaded from its file.

    The reference package is also called ``django_backblaze_b2``, so in its environment this
    library's modules cannot be imported by name; the simulator only needs b2sdk.
    """
    spec = importlib.util.spec_from_file_location("benchmarks._b2_simulator", _SIMULATOR_SOURCE)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load the simulator from {_SIMULATOR_SOURCE}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class B2Endpoint:
    realm: str
    key_id: str
    key: str
    bucket: str = BUCKET
    #: The in-process ``RealisticRawSimulator``; None when B2 is a server in another process.
    raw: Any = None

    def new_api(self, account_info: Any = None, cache: Any = None, **kwargs: Any) -> Any:
        """A ``B2Api`` on this endpoint, with ``B2Api``'s signature (contenders build theirs with it)."""
        account_info = account_info if account_info is not None else InMemoryAccountInfo()
        if self.raw is not None:
            kwargs["api_config"] = B2HttpApiConfig(_raw_api_class=type(self.raw))
        api = B2Api(account_info, cache=cache, **kwargs)
        if self.raw is not None:
            api.session.raw_api = self.raw
        return api

    def authorized_api(self) -> Any:
        api = self.new_api()
        api.authorize_account(self.realm, self.key_id, self.key)
        return api

    def calls(self) -> dict[str, int]:
        """B2 API calls so far, by name (in-process simulator only)."""
        if self.raw is None:
            raise RuntimeError("calls are counted by the in-process simulator only")
        return dict(self.raw.call_log.counts)

    def reset_calls(self) -> None:
        if self.raw is not None:
            self.raw.call_log.clear()

    def _bucket(self) -> Any:
        return self.authorized_api().get_bucket_by_name(self.bucket)

    def put_files(self, names: list[str], data: bytes) -> None:
        """Upload set-up files straight through b2sdk (their calls are not counted)."""
        bucket = self._bucket()
        for name in names:
            bucket.upload_bytes(data, name, file_info=LOGGED_IN_MARK)
        self.reset_calls()

    def stored_size(self, name: str) -> int | None:
        """The size B2 reports for ``name``, or None when it has no such file (checks, not measured)."""
        try:
            return int(self._bucket().get_file_info_by_name(name).size)
        except FileNotPresent:
            return None

    def delete_all(self, name: str) -> None:
        bucket = self._bucket()
        for version in list(bucket.list_file_versions(name)):
            if version.file_name == name:
                bucket.delete_file_version(version.id_, version.file_name)


def simulated_endpoint(simulator: Any = None) -> B2Endpoint:
    """A fresh in-process simulated B2 with an empty private bucket; no calls counted yet.

    ``simulator`` is a ``SimulatedB2`` when the contender is this library (whose ``simulator``
    option must see the same one); otherwise the simulator module is loaded from its file.
    """
    if simulator is not None:
        endpoint = B2Endpoint(simulator.realm, simulator.key_id, simulator.key, raw=simulator.raw)
    else:
        raw = simulator_module().RealisticRawSimulator()
        key_id, key = raw.create_account()
        endpoint = B2Endpoint("http://simulated-b2.invalid", key_id, key, raw=raw)
    endpoint.authorized_api().create_bucket(endpoint.bucket, "allPrivate")
    endpoint.reset_calls()
    return endpoint
