"""``--bucket NAME[:TYPE]``: the command-line server starts with the buckets a project's settings name."""

from __future__ import annotations

import pytest

from django_backblaze_b2.testing.server.__main__ import create_buckets, parse_arguments
from django_backblaze_b2.testing.server.errors import B2ApiError
from django_backblaze_b2.testing.server.handlers import create_server


def test_buckets_are_created_once_with_their_type() -> None:
    server = create_server(0, key_id="dev-key-id", key="dev-application-key")
    try:
        create_buckets(server, "dev-key-id", "dev-application-key", ["my-media", "site-static:allPublic"])
        create_buckets(server, "dev-key-id", "dev-application-key", ["my-media"])  # a restart: already there
        with pytest.raises(B2ApiError, match="Invalid bucket name 'x'"):
            create_buckets(server, "dev-key-id", "dev-application-key", ["x"])
        types = {name: b.bucket_type for name, b in server.backend.simulator.bucket_name_to_bucket.items()}
    finally:
        server.server_close()
        server.backend.close()
    assert types == {"my-media": "allPrivate", "site-static": "allPublic"}


def test_an_unknown_bucket_type_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_arguments(["--bucket", "my-media:public"])
    assert "the type must be allPrivate or allPublic" in capsys.readouterr().err
