"""``python -m django_backblaze_b2.testing.server --port PORT [--data-dir DIR] [--key-id ID --key KEY]
[--bucket NAME[:allPublic] ...]``

The first line printed is JSON (realm, port, key id, key, data directory) for programs to read;
the rest is for people.
"""

from __future__ import annotations

import argparse
import base64
import json
import signal
import sys
from types import FrameType

from ..simulator import MB
from .handlers import B2HTTPServer, create_server
from .local import DEFAULT_KEY, DEFAULT_KEY_ID


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m django_backblaze_b2.testing.server",
        description="A local Backblaze B2 server (b2sdk's simulator behind the B2 native API) on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=8001, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--data-dir", help="keep the data in this directory across restarts (default: memory only)")
    parser.add_argument("--key-id", default=DEFAULT_KEY_ID, help=f"application key id (default {DEFAULT_KEY_ID})")
    parser.add_argument("--key", default=DEFAULT_KEY, help=f"application key (default {DEFAULT_KEY})")
    parser.add_argument(
        "--recommended-part-size",
        type=int,
        default=100 * MB,
        help="recommended part size in bytes reported to clients (default 100 MB, as B2; at least 5 MB)",
    )
    parser.add_argument(
        "--bucket",
        action="append",
        default=[],
        metavar="NAME[:TYPE]",
        help="create this bucket unless it exists (TYPE allPrivate, the default, or allPublic); repeatable",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    arguments = parser.parse_args(argv)
    if arguments.recommended_part_size < 5 * MB:
        parser.error("--recommended-part-size must be at least 5000000 (B2's minimum part size)")
    for spec in arguments.bucket:
        if spec.partition(":")[2] not in ("", "allPrivate", "allPublic"):
            parser.error(f"--bucket {spec}: the type must be allPrivate or allPublic")
    return arguments


def create_buckets(server: B2HTTPServer, key_id: str, key: str, specs: list[str]) -> None:
    """Create each ``NAME[:TYPE]`` bucket that does not exist yet, through the server's own API calls
    (so B2's rules for names apply); ``B2ApiError`` says what is wrong."""
    if not specs:
        return
    backend = server.backend
    basic = base64.b64encode(f"{key_id}:{key}".encode()).decode()
    auth = backend.call("b2_authorize_account", "v3", f"Basic {basic}", {})
    token, account_id = auth["authorizationToken"], auth["accountId"]
    existing = {
        bucket["bucketName"]
        for bucket in backend.call("b2_list_buckets", "v3", token, {"accountId": account_id})["buckets"]
    }
    for spec in specs:
        name, _, bucket_type = spec.partition(":")
        if name not in existing:
            params = {"accountId": account_id, "bucketName": name, "bucketType": bucket_type or "allPrivate"}
            backend.call("b2_create_bucket", "v3", token, params)


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    server = create_server(
        arguments.port,
        key_id=arguments.key_id,
        key=arguments.key,
        data_dir=arguments.data_dir,
        recommended_part_size=arguments.recommended_part_size,
        verbose=arguments.verbose,
    )
    try:
        create_buckets(server, arguments.key_id, arguments.key, arguments.bucket)
    except Exception as error:
        server.server_close()
        server.backend.close()
        print(f"Cannot create the buckets: {error}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _stop)
    info = {
        "realm": server.realm,
        "port": server.port,
        "key_id": arguments.key_id,
        "key": arguments.key,
        "data_dir": arguments.data_dir,
    }
    print(json.dumps(info), flush=True)
    settings = {"realm": server.realm, "application_key_id": arguments.key_id, "application_key": arguments.key}
    where = f"data in {arguments.data_dir}" if arguments.data_dir else "memory only"
    print(f"Local B2 server on {server.realm} ({where})")
    for spec in arguments.bucket:
        print(f"  bucket:             {spec.partition(':')[0]} ({spec.partition(':')[2] or 'allPrivate'})")
    print(f"  application key id: {arguments.key_id}")
    print(f"  application key:    {arguments.key}")
    print(f"  Django: BACKBLAZE_CONFIG = {{..., {json.dumps(settings)[1:-1]}}}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.backend.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
