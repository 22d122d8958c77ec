"""The storage of data exports: a private bucket of its own, encrypted, emptied by B2 itself.

Fields refer to it through :func:`export_storage`, a callable, so migrations record its dotted path
rather than its options.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django_backblaze_b2 import BackblazeB2Storage

from .conf import export_lifetime, exports_bucket

EXPORTS_PREFIX = "exports/"


def lifecycle_rules(lifetime: timedelta) -> list[dict[str, Any]]:
    """B2 hides an export once its lifetime is over and deletes it a day later, even if nobody runs
    ``purge_exports``."""
    return [
        {
            "fileNamePrefix": EXPORTS_PREFIX,
            "daysFromUploadingToHiding": max(1, lifetime.days),
            "daysFromHidingToDeleting": 1,
        }
    ]


def export_storage() -> BackblazeB2Storage:
    return BackblazeB2Storage(
        bucket=exports_bucket(),
        # Every upload asks B2 to encrypt (SSE-B2), whatever the bucket's default encryption is.
        server_side_encryption={"mode": "SSE-B2"},
        non_existent_bucket_details={
            "bucket_type": "allPrivate",
            "default_server_side_encryption": {"mode": "SSE-B2"},
            "lifecycle_rules": lifecycle_rules(export_lifetime()),
        },
    )
