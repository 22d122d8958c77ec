"""The ``/_control/`` endpoint: call counts, faults, reset, info, for this machine's test programs."""

from __future__ import annotations

from typing import Any, Protocol

from ..simulator import CallLog
from .errors import B2ApiError, bad_request
from .faults import Faults


class ControlledServer(Protocol):
    """What the control API reads and resets of a server (``handlers.B2HTTPServer`` is one)."""

    calls: CallLog
    faults: Faults
    backend: Any

    @property
    def port(self) -> int: ...

    @property
    def realm(self) -> str: ...


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def check_request(port: int, method: str, host: str | None, content_type: str | None) -> None:
    """Only this machine's programs: a loopback ``Host`` with the server's port (a page that rebinds
    its own name to 127.0.0.1 still sends that name), and a POST body declared JSON (which a page
    can only send after a CORS preflight, and the control endpoint answers none)."""
    if (host or "").lower() not in {f"{name}:{port}" for name in LOOPBACK_HOSTS}:
        raise B2ApiError(403, "access_denied", "The control endpoint answers only a loopback Host with its port")
    if method == "POST" and (content_type or "").split(";")[0].strip().lower() != "application/json":
        raise B2ApiError(415, "unsupported_media_type", "The control endpoint takes application/json only")


def control_answer(server: ControlledServer, method: str, action: str, command: dict[str, Any]) -> Any:
    """The JSON answer to ``method /_control/action`` (``command``: a POST's JSON body)."""
    if method == "GET" and action == "calls":
        calls = server.calls
        return {"counts": calls.as_dict(), "total": calls.total, "billed": calls.billed, "by_class": calls.by_class()}
    if method == "GET" and action == "faults":
        return server.faults.as_dict()
    if method == "POST" and action == "faults":
        try:
            return server.faults.command(command)
        except (KeyError, TypeError, ValueError) as exc:
            raise bad_request(f"bad fault command: {exc}") from exc
    if method == "POST" and action == "reset":
        server.calls.clear()
        server.faults.clear()
        return {"ok": True}
    if method == "GET" and action == "info":
        masters = [k for k in server.backend.simulator.key_id_to_key.values() if k.name == "master"]
        return {"realm": server.realm, "port": server.port, "key_ids": [k.application_key_id for k in masters]}
    raise B2ApiError(404, "not_found", f"Unknown control endpoint: {method} /_control/{action}")
