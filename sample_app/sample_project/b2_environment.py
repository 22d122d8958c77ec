"""Which B2 the sample app talks to, read from environment variables.

- none set: the embedded simulated B2 (no account; files live as long as the server process);
- ``B2_APPLICATION_KEY_ID`` and ``B2_APPLICATION_KEY``: Backblaze B2 itself, with the buckets named
  after ``B2_BUCKET_PREFIX`` (required there: bucket names are global on B2);
- ``B2_REALM``: another B2, such as the local B2 server (``python -m django_backblaze_b2.testing.server``)
  at ``http://127.0.0.1:PORT``, which accepts any key, so the key variables may be left out.

The sample uses one bucket per storage: ``<prefix>-private``, ``-public``, ``-logged-in``, ``-staff``
and ``-exports``. The proxied storages must not share a bucket, or a staff-only file could be
fetched through the public route by its name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from django_backblaze_b2.direct_uploads.bucket_rules import cors_rule, lifecycle_rule

PRODUCTION_REALM = "production"
DEFAULT_PREFIX = "sample"
# The local B2 server's default master key.
LOCAL_SERVER_KEY = ("dev-key-id", "dev-application-key")
# Where the sample's pages come from (runserver on any port): B2 lets them upload direct-upload parts.
SAMPLE_ORIGINS = ("http://127.0.0.1:*", "http://localhost:*")


@dataclass(frozen=True)
class B2Environment:
    backblaze_config: dict[str, Any]
    exports_bucket: str

    @property
    def simulated(self) -> bool:
        return bool(self.backblaze_config.get("simulator"))


def bucket_names(prefix: str) -> dict[str, str]:
    return {
        kind: f"{prefix}-{kind.replace('_', '-')}" for kind in ("private", "public", "logged_in", "staff", "exports")
    }


def from_environment(environ: Mapping[str, str]) -> B2Environment:
    key_id = environ.get("B2_APPLICATION_KEY_ID", "")
    key = environ.get("B2_APPLICATION_KEY", "")
    realm = environ.get("B2_REALM", "")
    prefix = environ.get("B2_BUCKET_PREFIX", "")
    if bool(key_id) != bool(key):
        missing = "B2_APPLICATION_KEY" if key_id else "B2_APPLICATION_KEY_ID"
        raise ImproperlyConfigured(
            f"The sample app found only one of B2_APPLICATION_KEY_ID and B2_APPLICATION_KEY: set {missing} too, "
            "or unset both to run on the simulated B2."
        )
    simulated = not key_id and not realm
    if not simulated and not key_id:
        key_id, key = LOCAL_SERVER_KEY
    if key_id and (realm or PRODUCTION_REALM) == PRODUCTION_REALM and not prefix:
        raise ImproperlyConfigured(
            "Set B2_BUCKET_PREFIX to a name of your own (letters, digits, '-'): bucket names are global on "
            "Backblaze B2, and the sample creates <prefix>-private, -public, -logged-in, -staff and -exports."
        )
    buckets = bucket_names(prefix or DEFAULT_PREFIX)
    config: dict[str, Any] = {
        "bucket": buckets["private"],
        "specific_bucket_names": {route: buckets[route] for route in ("public", "logged_in", "staff")},
        # Private buckets, so that every file goes through the route that checks who may see it; pages of
        # the local sample may upload parts straight to them, and abandoned uploads are cancelled after a day.
        "non_existent_bucket_details": {
            "bucket_type": "allPrivate",
            "cors_rules": [cors_rule(SAMPLE_ORIGINS)],
            "lifecycle_rules": [lifecycle_rule()],
        },
    }
    if simulated:
        config["simulator"] = True
    else:
        config.update(realm=realm or PRODUCTION_REALM, application_key_id=key_id, application_key=key)
    return B2Environment(backblaze_config=config, exports_bucket=buckets["exports"])
