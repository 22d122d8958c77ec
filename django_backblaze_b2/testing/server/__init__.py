"""A local B2 server: B2's native HTTP API on 127.0.0.1, with b2sdk's simulator objects as the
model, file contents on disk and the state in SQLite (see docs/local-b2-server.md).

``python -m django_backblaze_b2.testing.server --port 8001`` serves it from the command line;
:class:`LocalB2Server` (a thread) and :class:`ServerProcess` (a child process) from tests. Point b2sdk
(or the storage) at ``realm="http://127.0.0.1:PORT"`` with the printed key id and key.
"""

from __future__ import annotations

from .backend import B2Backend
from .errors import B2ApiError
from .faults import FaultControl, Faults
from .handlers import B2HTTPServer, create_server
from .local import DEFAULT_KEY, DEFAULT_KEY_ID, B2ServerBase, LocalB2Server, RemoteFaults, ServerProcess

__all__ = [
    "DEFAULT_KEY",
    "DEFAULT_KEY_ID",
    "B2ApiError",
    "B2Backend",
    "B2HTTPServer",
    "B2ServerBase",
    "FaultControl",
    "Faults",
    "LocalB2Server",
    "RemoteFaults",
    "ServerProcess",
    "create_server",
]
