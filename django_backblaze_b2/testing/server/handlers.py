"""HTTP: routing B2's native API URLs to :class:`~.backend.B2Backend`, streaming bodies both ways,
applying faults, counting calls, and the ``/_control/`` endpoint."""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, unquote_plus, urlsplit

from requests.structures import CaseInsensitiveDict

from ..simulator import MB, CallLog
from . import cors
from .backend import B2Backend
from .control import check_request, control_answer
from .cors import API_PATH
from .errors import B2ApiError, bad_request
from .faults import Faults

CHUNK_SIZE = 64 * 1024


class B2HTTPServer(ThreadingHTTPServer):
    """A threaded HTTP server holding the backend, the call counts and the faults."""

    daemon_threads = True
    # socketserver's default backlog (5) drops the connections of a few concurrent clients.
    request_queue_size = 256
    backend: B2Backend

    def __init__(self, port: int = 0, *, verbose: bool = False) -> None:
        super().__init__(("127.0.0.1", port), B2RequestHandler)
        self.verbose = verbose
        self.calls = CallLog()
        self.faults = Faults(expire_tokens=self._expire_tokens)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def realm(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _expire_tokens(self) -> None:
        self.backend.expire_all_tokens()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client closing a download early (as a storage does when a file is closed half-read) is
        # normal, not an error worth a traceback.
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionResetError, BrokenPipeError)) and not self.verbose:
            return
        super().handle_error(request, client_address)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def server_close(self) -> None:
        super().server_close()
        backend = getattr(self, "backend", None)
        if backend is not None:
            backend.close()  # saved, and a temporary data directory removed

    def close_connections(self) -> None:
        """End idle keep-alive connections, so their threads finish."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


def create_server(
    port: int = 0,
    *,
    key_id: str,
    key: str,
    data_dir: str | Path | None = None,
    recommended_part_size: int = 100 * MB,
    token_ttl: float = 24 * 60 * 60,
    verbose: bool = False,
) -> B2HTTPServer:
    """Bind 127.0.0.1:``port`` (0: any free port) and set up the backend for that address."""
    server = B2HTTPServer(port, verbose=verbose)
    try:
        server.backend = B2Backend(
            server.realm,
            key_id,
            key,
            recommended_part_size=recommended_part_size,
            data_dir=data_dir,
            token_ttl=token_ttl,
        )
    except BaseException:
        server.server_close()
        raise
    return server


class B2RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: B2HTTPServer
    timeout = 120  # an idle keep-alive connection is closed after this
    # Headers and body go out in separate writes; with Nagle's algorithm on, the body then waits for
    # the client's delayed ACK, adding ~40 ms to every answer with a body (B2 has no such pause).
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_HEAD(self) -> None:
        self._handle("HEAD")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_OPTIONS(self) -> None:
        self._handle("OPTIONS")

    # --- plumbing -------------------------------------------------------------------------------

    def _handle(self, method: str) -> None:
        self._body_read = False
        self._cors_headers: dict[str, str] = {}
        try:
            if method == "OPTIONS":
                self._preflight()
                return
            self._cors_headers = self._cors_for_request()
            self._route(method)
        except B2ApiError as error:
            self._send_error(error, head=method == "HEAD")
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except Exception as exc:  # an answer, never a dead connection
            self._send_error(B2ApiError(500, "internal_error", f"{type(exc).__name__}: {exc}"), head=method == "HEAD")

    def _content_length(self) -> int | None:
        value = self.headers.get("Content-Length")
        if value is None:
            return None
        try:
            length = int(value)
        except ValueError as exc:
            raise bad_request("Bad Content-Length") from exc
        if length < 0:
            raise bad_request("Bad Content-Length")
        return length

    def _drain_body(self) -> None:
        """Read what is left of the request body, so the client sees the answer, not a reset."""
        if self._body_read:
            return
        self._body_read = True
        try:
            remaining = self._content_length() or 0
        except B2ApiError:
            self.close_connection = True
            return
        while remaining > 0:
            chunk = self.rfile.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                self.close_connection = True
                return
            remaining -= len(chunk)

    def _read_json(self) -> dict[str, Any]:
        self._body_read = True
        length = self._content_length() or 0
        raw = self.rfile.read(length) if length else b""
        if len(raw) != length:
            raise ConnectionError("request body cut short")
        if not raw.strip():
            return {}
        try:
            value = json.loads(raw)
        except (UnicodeDecodeError, ValueError) as exc:
            raise B2ApiError(400, "bad_json", f"Could not parse the request body as JSON: {exc}") from exc
        if not isinstance(value, dict):
            raise B2ApiError(400, "bad_json", "The request body must be a JSON object")
        return value

    def _send_json(self, status: int, value: Any, headers: dict[str, str] | None = None, head: bool = False) -> None:
        body = json.dumps(value, sort_keys=True).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        for name, header_value in {**self._cors_headers, **(headers or {})}.items():
            self.send_header(name, header_value)
        self.send_header("Content-Length", "0" if head else str(len(body)))
        self.send_header("Cache-Control", "max-age=0, no-cache, no-store")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _send_error(self, error: B2ApiError, head: bool = False) -> None:
        try:
            self._drain_body()
        except (ConnectionError, TimeoutError, OSError):
            self.close_connection = True
            return
        try:
            self._send_json(error.status, error.body(), error.headers, head=head)
        except (ConnectionError, OSError):
            self.close_connection = True

    def _begin_call(self, api_name: str) -> None:
        """Count the call, wait the injected latency, and fail it if a fault says so."""
        self.server.calls.record(api_name)
        delay = self.server.faults.latency(api_name)
        if delay > 0:
            time.sleep(delay)
        failure = self.server.faults.take_failure(api_name)
        if failure is not None:
            headers = {}
            if failure.retry_after is not None:
                headers["Retry-After"] = str(int(failure.retry_after))
            raise B2ApiError(failure.status, failure.code, failure.message, headers)

    # --- CORS ---------------------------------------------------------------------------------

    def _cors_for_request(self) -> dict[str, str]:
        origin = self.headers.get("Origin")
        target = cors.target(self.path) if origin else None
        if origin is None or target is None:
            return {}
        operation, where = target
        if not operation:
            return cors.api_actual(origin).headers
        return cors.actual(self.server.backend.cors_rules(**where), operation, origin).headers

    def _preflight(self) -> None:
        """``OPTIONS``: approved by the bucket's rules (uploads, downloads) or always (the JSON API)."""
        self._drain_body()
        origin = self.headers.get("Origin")
        method = self.headers.get("Access-Control-Request-Method")
        target = cors.target(self.path)
        if target is None:
            raise B2ApiError(404, "not_found", f"Not found: OPTIONS {urlsplit(self.path).path}")
        if not origin or not method:
            raise bad_request("A CORS preflight needs Origin and Access-Control-Request-Method")
        headers = cors.requested_headers(self.headers.get("Access-Control-Request-Headers"))
        operation, where = target
        if operation:
            answer = cors.preflight(self.server.backend.cors_rules(**where), operation, origin, method, headers)
        else:
            answer = cors.api_preflight(origin, headers)
        if not answer.allowed:
            raise B2ApiError(403, "access_denied", f"No CORS rule allows {method} from {origin} here")
        self.send_response(200)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    # --- routing --------------------------------------------------------------------------------

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        path = url.path
        if path.startswith("/_control/"):
            self._control(method, path.removeprefix("/_control/"))
            return
        if path.startswith("/file/") and method in ("GET", "HEAD"):
            bucket_name, _, file_name = path.removeprefix("/file/").partition("/")
            api_name = "b2_get_file_info_by_name" if method == "HEAD" else "b2_download_file_by_name"
            self._begin_call(api_name)
            self._download(api_name, method, query, bucket_name=unquote(bucket_name), file_name=unquote_plus(file_name))
            return
        match = API_PATH.match(path)
        if match is None:
            raise B2ApiError(404, "not_found", f"Not found: {path}")
        version, api_name, rest = match.groups()
        if api_name == "b2_download_file_by_id" and method in ("GET", "HEAD") and rest is None:
            self._begin_call(api_name)
            self._download(api_name, method, query, file_id=query.get("fileId", ""))
        elif api_name in ("b2_upload_file", "b2_upload_part") and rest:
            if method != "POST":
                raise B2ApiError(405, "method_not_allowed", f"{method} is not allowed here")
            self._begin_call(api_name)
            self._upload(api_name, version, rest.split("/", 1)[0])
        elif rest is None and method in ("POST", "GET"):
            # B2 takes every JSON call as a GET too, with the parameters in the query string.
            self._begin_call(api_name)
            params = self._read_json() if method == "POST" else dict(query)
            result = self.server.backend.call(api_name, version, self.headers.get("Authorization"), params)
            self._send_json(200, result)
        else:
            raise B2ApiError(404, "not_found", f"Not found: {method} {path}")

    def _upload(self, api_name: str, version: str, target_id: str) -> None:
        """Receive the body straight into the data directory (hashed on the way), then store it."""
        token = self.headers.get("Authorization")
        backend = self.server.backend
        kind = "file" if api_name == "b2_upload_file" else "part"
        backend.check_upload(token, kind, target_id)
        length = self._content_length()
        if length is None:
            raise bad_request("Content-Length is required")
        headers = CaseInsensitiveDict(self.headers.items())
        backend.tokens.begin_upload(token or "")
        try:
            self._body_read = True
            received = backend.receive(self.rfile, length, headers)  # type: ignore[arg-type]
            upload = backend.upload_file if kind == "file" else backend.upload_part
            result = upload(token, target_id, headers, received, version)
        finally:
            backend.tokens.end_upload(token or "")
        self._send_json(200, result)

    def _download(
        self,
        api_name: str,
        method: str,
        query: dict[str, str],
        *,
        bucket_name: str | None = None,
        file_name: str | None = None,
        file_id: str | None = None,
    ) -> None:
        self._drain_body()
        head = method == "HEAD"
        token = self.headers.get("Authorization") or query.get("Authorization")
        answer = self.server.backend.download(
            api_name,
            token=token,
            headers=CaseInsensitiveDict(self.headers.items()),
            query=query,
            head=head,
            bucket_name=bucket_name,
            file_name=file_name,
            file_id=file_id,
        )
        self.send_response(answer.status)
        for name, value in [*self._cors_headers.items(), *answer.headers]:
            self.send_header(name, value)
        self.end_headers()
        if head:
            return
        cut = self.server.faults.take_cut(api_name)
        sent = 0
        try:
            for chunk in self.server.backend.blobs.read(answer.segments, CHUNK_SIZE):
                if cut is not None and sent + len(chunk) > cut:
                    self.wfile.write(chunk[: cut - sent])
                    self._abort_connection()
                    return
                self.wfile.write(chunk)
                sent += len(chunk)
        except FileNotFoundError:  # the version was deleted while it was being sent
            self._abort_connection()

    def _abort_connection(self) -> None:
        """Close the connection mid-body, as a network failure would."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    # --- control --------------------------------------------------------------------------------

    def _control(self, method: str, action: str) -> None:
        check_request(self.server.port, method, self.headers.get("Host"), self.headers.get("Content-Type"))
        command = self._read_json() if method == "POST" else {}
        self._send_json(200, control_answer(self.server, method, action, command))
