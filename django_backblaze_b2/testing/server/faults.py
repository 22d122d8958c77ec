"""Fault injection: failing calls, cut downloads, latency, expired tokens.

The same commands drive a server in this process (:class:`Faults`) and one in another process
(:class:`RemoteFaults`, through ``POST /_control/faults``).
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from .errors import DEFAULT_CODES


@dataclass
class FailRule:
    api_name: str
    remaining: int | None  # None: forever
    status: int
    code: str
    message: str
    retry_after: float | None
    after: int = 0  # calls of api_name to let through before failing


@dataclass
class CutRule:
    after_bytes: int
    remaining: int | None
    api_name: str | None  # None: both kinds of download


class FaultControl(ABC):
    """Commands for injecting faults; each returns the faults in force afterwards."""

    @abstractmethod
    def command(self, command: dict[str, Any]) -> dict[str, Any]:
        """Apply one command (the JSON body of ``POST /_control/faults``)."""

    def fail(
        self,
        api_name: str,
        *,
        times: int | None = 1,
        status: int = 503,
        code: str | None = None,
        message: str = "",
        retry_after: float | None = None,
        after: int = 0,
    ) -> dict[str, Any]:
        """Make the next ``times`` calls of ``api_name`` (a B2 API name such as ``b2_upload_file``)
        fail with ``status``; ``times=None`` fails every call until :meth:`clear`. ``retry_after``
        adds a ``Retry-After`` header (seconds). ``after`` lets that many calls through first."""
        return self.command(
            {
                "action": "fail",
                "api_name": api_name,
                "times": times,
                "status": status,
                "code": code,
                "message": message,
                "retry_after": retry_after,
                "after": after,
            }
        )

    def cut_download(self, after_bytes: int, *, times: int | None = 1, api_name: str | None = None) -> dict[str, Any]:
        """Close the connection after ``after_bytes`` bytes of the next ``times`` download bodies."""
        return self.command(
            {"action": "cut_download", "after_bytes": after_bytes, "times": times, "api_name": api_name}
        )

    def add_latency(self, seconds: float, *, api_name: str | None = None) -> dict[str, Any]:
        """Delay every call (or every call of ``api_name``) by ``seconds`` before answering."""
        return self.command({"action": "latency", "seconds": seconds, "api_name": api_name})

    def expire_tokens(self) -> dict[str, Any]:
        """Expire every account, upload and download-authorization token issued so far."""
        return self.command({"action": "expire_tokens"})

    def clear(self) -> dict[str, Any]:
        """Remove every fault."""
        return self.command({"action": "clear"})


class Faults(FaultControl):
    """The faults of a server running in this process; thread-safe."""

    def __init__(self, expire_tokens: Callable[[], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._failures: list[FailRule] = []
        self._cuts: list[CutRule] = []
        self._latency: dict[str, float] = {}  # "" is every call
        self._expire_tokens = expire_tokens

    def command(self, command: dict[str, Any]) -> dict[str, Any]:
        action = command.get("action")
        if action == "fail":
            status = int(command.get("status", 503))
            times = command.get("times", 1)
            retry_after = command.get("retry_after")
            rule = FailRule(
                api_name=str(command["api_name"]),
                remaining=None if times is None else int(times),
                status=status,
                code=command.get("code") or DEFAULT_CODES.get(status, "internal_error"),
                message=str(command.get("message") or "injected fault"),
                retry_after=None if retry_after is None else float(retry_after),
                after=int(command.get("after") or 0),
            )
            with self._lock:
                self._failures.append(rule)
        elif action == "cut_download":
            times = command.get("times", 1)
            cut = CutRule(
                after_bytes=int(command["after_bytes"]),
                remaining=None if times is None else int(times),
                api_name=command.get("api_name"),
            )
            with self._lock:
                self._cuts.append(cut)
        elif action == "latency":
            with self._lock:
                self._latency[command.get("api_name") or ""] = float(command["seconds"])
        elif action == "expire_tokens":
            if self._expire_tokens is None:
                raise ValueError("this server cannot expire tokens")
            self._expire_tokens()
        elif action == "clear":
            with self._lock:
                self._failures.clear()
                self._cuts.clear()
                self._latency.clear()
        else:
            raise ValueError(f"unknown fault action: {action!r}")
        return self.as_dict()

    def take_failure(self, api_name: str) -> FailRule | None:
        """The failure the next call of ``api_name`` must answer with, if any (and count it)."""
        with self._lock:
            for rule in self._failures:
                if rule.api_name == api_name:
                    if rule.after > 0:
                        rule.after -= 1
                        return None
                    if rule.remaining is not None:
                        rule.remaining -= 1
                        if rule.remaining <= 0:
                            self._failures.remove(rule)
                    return rule
        return None

    def take_cut(self, api_name: str) -> int | None:
        """After how many body bytes the next download of ``api_name`` is cut, if it is."""
        with self._lock:
            for cut in self._cuts:
                if cut.api_name in (None, api_name):
                    if cut.remaining is not None:
                        cut.remaining -= 1
                        if cut.remaining <= 0:
                            self._cuts.remove(cut)
                    return cut.after_bytes
        return None

    def latency(self, api_name: str) -> float:
        with self._lock:
            return self._latency.get(api_name, self._latency.get("", 0.0))

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "failures": [asdict(rule) for rule in self._failures],
                "cuts": [asdict(cut) for cut in self._cuts],
                "latency": dict(self._latency),
            }
