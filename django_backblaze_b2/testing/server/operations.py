"""The registry of B2 native API operations: each declares whether it changes the account (then
what it touched is saved before it answers). B2 takes every one as a POST with a JSON body or as a
GET with the parameters in the query string."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .auth import TokenStore
from .errors import B2ApiError
from .persistence import Changes

Answer = dict[str, Any]


class Account(Protocol):
    """What an operation reaches of the server's account state (``backend.B2Backend`` is one)."""

    simulator: Any
    realm: str
    tokens: TokenStore


@dataclass
class Call:
    """One authorized call: who made it (``key``), with what parameters, at which API version."""

    backend: Account
    key: Any
    token: str
    params: dict[str, Any]
    version: str
    changes: Changes = field(default_factory=Changes)

    @property
    def sim(self) -> Any:
        return self.backend.simulator

    @property
    def realm(self) -> str:
        return self.backend.realm

    def bucket(self, bucket_id: Any = None) -> Any:
        """The bucket named by ``bucketId`` (or ``bucket_id``), else B2's 400 ``bad_bucket_id``."""
        bucket_id = self.params.get("bucketId") if bucket_id is None else bucket_id
        bucket = self.sim.bucket_id_to_bucket.get(bucket_id)
        if bucket is None:
            raise B2ApiError(400, "bad_bucket_id", f"Invalid bucketId: {bucket_id}")
        return bucket

    def file(self, file_id: Any = None, *, unfinished: bool | None = None) -> Any:
        """The version ``fileId`` names (recorded as touched by this call); 400/404 as B2."""
        file_id = self.params.get("fileId") if file_id is None else file_id
        bucket = self.sim.bucket_id_to_bucket.get(self.sim.file_id_to_bucket_id.get(file_id))
        file_sim = bucket.file_id_to_file.get(file_id) if bucket is not None else None
        if file_sim is None:
            raise B2ApiError(
                400 if unfinished else 404,
                "file_not_present" if unfinished else "not_found",
                f"File not present: {file_id}",
            )
        if unfinished is True and file_sim.action != "start":
            raise B2ApiError(400, "bad_request", f"File {file_id} is not an unfinished large file")
        return self.changes.file(file_sim)


@dataclass(frozen=True)
class Operation:
    name: str
    run: Callable[[Call], Answer]
    mutates: bool


OPERATIONS: dict[str, Operation] = {}


def operation(name: str, *, mutates: bool) -> Callable[[Callable[[Call], Answer]], Callable[[Call], Answer]]:
    def register(run: Callable[[Call], Answer]) -> Callable[[Call], Answer]:
        if name in OPERATIONS:
            raise RuntimeError(f"{name} is registered twice")
        OPERATIONS[name] = Operation(name, run, mutates)
        return run

    return register
