"""The sample's own settings, with the defaults used when a project (or the test suite) leaves them out."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def exports_bucket() -> str:
    return str(getattr(settings, "SAMPLE_EXPORTS_BUCKET", "sample-exports"))


def export_lifetime() -> timedelta:
    lifetime = getattr(settings, "SAMPLE_EXPORT_LIFETIME", timedelta(days=7))
    assert isinstance(lifetime, timedelta)
    return lifetime


def b2_description() -> str:
    """Which B2 the files go to, in words for the pages; never a secret."""
    config = getattr(settings, "BACKBLAZE_CONFIG", {})
    if config.get("simulator"):
        return "the simulated B2 embedded in this process (files are gone when it stops)"
    realm = config.get("realm", "production")
    return "Backblaze B2" if realm == "production" else f"the B2 at {realm}"
