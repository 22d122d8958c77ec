"""The storage of data exports: a private bucket of its own, encrypted, emptied by B2 itself.

Fields refer to it through :func:`export_storage`, a callable, so migrations record its dotted path
rather than its options.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from b2sdk.v2 import SSE_B2_AES

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


class ExportStorage(BackblazeB2Storage):
    """Asks B2 to encrypt every export (SSE-B2), whatever the bucket's default encryption is."""

    # TODO(features): use the library's server_side_encryption option once it lands on main, instead
    # of adding b2sdk's encryption setting to each upload here.
    def get_upload_options(self, name: str, content: Any) -> dict[str, Any]:
        return {**super().get_upload_options(name, content), "encryption": SSE_B2_AES}


def export_storage() -> ExportStorage:
    return ExportStorage(
        bucket=exports_bucket(),
        non_existent_bucket_details={
            "bucket_type": "allPrivate",
            "default_server_side_encryption": SSE_B2_AES,
            "lifecycle_rules": lifecycle_rules(export_lifetime()),
        },
    )
