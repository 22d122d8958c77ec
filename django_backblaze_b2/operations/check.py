"""Checking a deployment's B2 storages: ``manage.py b2_check``.

For each storage: the credentials authorize, the bucket exists and has the type the storage needs,
the key has the capabilities the storage uses (and may reach its bucket and location), and a probe
file can be written, read back and deleted. Nothing here prints a credential.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from django.core.files.base import ContentFile

from .. import names
from ..storage import BackblazeB2Storage
from ..usage import configured_backends

Status = Literal["ok", "warning", "error"]

#: What each storage does with its key, and why it needs the capability.
REQUIRED_CAPABILITIES = {
    "listBuckets": "to find the bucket",
    "listFiles": "for exists(), listdir() and delete()",
    "readFiles": "to read files",
    "writeFiles": "to save files",
    "deleteFiles": "to delete files",
}
OPTIONAL_CAPABILITIES = {"shareFiles": "expiring download links to files in a private bucket"}
PROBE_FOLDER = ".django-b2-check"


@dataclass(frozen=True)
class Finding:
    step: str
    status: Status
    message: str


def b2_storage_aliases() -> list[str]:
    """The aliases in ``settings.STORAGES`` whose backend is a ``BackblazeB2Storage``."""
    return [alias for alias, backend, _options in configured_backends() if issubclass(backend, BackblazeB2Storage)]


def check_storage(storage: BackblazeB2Storage, *, probe: bool = True) -> Iterator[Finding]:
    """The findings for one storage, in order; stops at the first step the others depend on."""
    try:
        connection = storage.client
        # A fresh authorization, not the cached one: the point is to prove the credentials work.
        api = connection.verified_api()
    except Exception as error:
        yield Finding(
            "credentials",
            "error",
            f"B2 refused the credentials ({describe(error)}). Check BACKBLAZE_CONFIG's "
            "'application_key_id', 'application_key' and 'realm'.",
        )
        return
    yield Finding("credentials", "ok", f"authorized in realm {connection.realm!r}")

    capabilities = list(capability_findings(api.account_info.get_allowed(), storage))
    yield from capabilities

    bucket = list(_bucket_findings(api, storage))
    yield from bucket
    if any(finding.status == "error" for finding in capabilities + bucket):
        return
    if not probe:
        return
    if any(finding.step == "bucket" and finding.status == "warning" for finding in bucket):
        yield Finding("probe", "warning", "skipped: the bucket doesn't exist yet")
        return
    yield _probe(storage)


def capability_findings(allowed: Mapping[str, Any] | None, storage: BackblazeB2Storage) -> Iterator[Finding]:
    """What the key's ``allowed`` scope (from ``b2_authorize_account``) means for this storage."""
    allowed = allowed or {}
    granted = set(allowed.get("capabilities") or ())
    missing = [f"{name} ({why})" for name, why in REQUIRED_CAPABILITIES.items() if name not in granted]
    if missing:
        yield Finding("capabilities", "error", f"the key lacks {', '.join(missing)}")
    else:
        yield Finding("capabilities", "ok", "the key can list, read, write and delete files")
    for name, why in OPTIONAL_CAPABILITIES.items():
        if name not in granted:
            yield Finding("capabilities", "warning", f"the key lacks {name}, needed for {why}")
    restricted_to = allowed.get("bucketName")
    if restricted_to is not None and restricted_to != storage.options.bucket:
        yield Finding(
            "capabilities",
            "error",
            f"the key only reaches bucket {restricted_to!r}, not {storage.options.bucket!r}",
        )
    prefix = allowed.get("namePrefix")
    location = names.folder_prefix(storage.options.location, "")
    if prefix and not location.startswith(prefix):
        yield Finding(
            "capabilities",
            "error",
            f"the key only reaches file names starting with {prefix!r}; set the storage's 'location' inside it",
        )


def _bucket_findings(api: Any, storage: BackblazeB2Storage) -> Iterator[Finding]:
    name = storage.options.bucket
    try:
        found = api.list_buckets(bucket_name=name)
    except Exception as error:
        yield Finding("bucket", "error", f"could not look up bucket {name!r}: {describe(error)}")
        return
    if not found:
        if storage.options.non_existent_bucket_details is not None or storage.options.simulator:
            yield Finding("bucket", "warning", f"bucket {name!r} does not exist yet; it is created on first use")
            return
        yield Finding(
            "bucket",
            "error",
            f"bucket {name!r} does not exist (or this key can't see it): create it, or set "
            "'non_existent_bucket_details' to have it created",
        )
        return
    bucket_type = found[0].type_
    if getattr(storage, "requires_public_bucket", False) and bucket_type != "allPublic":
        yield Finding(
            "bucket",
            "error",
            f"bucket {name!r} is {bucket_type}, but {type(storage).__name__} links to files directly: "
            "make the bucket public (allPublic)",
        )
        return
    yield Finding("bucket", "ok", f"bucket {name!r} exists ({bucket_type})")


def _probe(storage: BackblazeB2Storage) -> Finding:
    payload = f"django-backblaze-b2 check {uuid.uuid4()}".encode()
    name = f"{PROBE_FOLDER}/{uuid.uuid4().hex}.txt"
    step = "write"
    saved = None
    try:
        saved = storage.save(name, ContentFile(payload))
        step = "read"
        with storage.open(saved, "rb") as stored:
            if stored.read() != payload:
                return Finding("probe", "error", f"{saved!r} read back different bytes than were written")
        step = "delete"
        storage.delete(saved)
        saved = None
        if storage.exists(name):
            return Finding("probe", "error", f"{name!r} still exists after delete()")
    except Exception as error:
        return Finding("probe", "error", f"could not {step} a probe file: {describe(error)}")
    finally:
        if saved is not None:
            # The probe already failed, and that is the finding to report.
            with contextlib.suppress(Exception):
                storage.delete(saved)
    return Finding("probe", "ok", "wrote, read back and deleted a probe file")


def describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"
