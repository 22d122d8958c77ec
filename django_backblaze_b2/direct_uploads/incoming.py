"""The B2 side of a direct upload: one large file under the storage's incoming folder, per upload.

Why a large file, started by the server under a name nobody uses:

- the browser only ever gets ``b2_get_upload_part_url`` tokens, each tied to that one file id: they
  can add parts to it and nothing else. (``b2_get_upload_url``'s token could write any name in the
  bucket: it never leaves the server.) Finishing, listing parts and cancelling need the account's
  token, so only the server does them;
- the file is started as ``<location>/_b2_incoming/<start time>-<random>``, a name no model uses, and
  finished only after the server checked its parts against what was granted. It reaches its final name
  (``upload_to``, ``get_available_name``, ``get_upload_options`` with the access mark) when the form is
  saved, by a server-side copy, and the incoming version is deleted (see ``upload.py``);
- abandoned uploads are cancelled by the bucket's lifecycle rule on the incoming folder
  (:func:`.bucket_rules.lifecycle_rule`), or by ``manage.py b2_cancel_direct_uploads``.

The functions that call B2 make one or two calls each, with the storage's own b2sdk objects.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from b2sdk.v2.exception import FileNotPresent
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db.models import FileField

from .. import names
from ..access import mark_info
from ..storage import BackblazeB2Storage
from ..usage import configured_backends, file_fields
from .bucket_rules import INCOMING_FOLDER
from .grants import Grant
from .plan import PartPlan

AUTO_CONTENT_TYPE = "b2/x-auto"  # B2 guesses from the name


class MismatchError(Exception):
    """What B2 holds is not what was granted (a part missing, of another size or SHA-1)."""


@dataclass(frozen=True)
class Target:
    """The model field a direct upload fills, and its storage."""

    label: str
    field: FileField
    storage: BackblazeB2Storage

    @property
    def field_name(self) -> str:
        return self.field.name


def target(label: str) -> Target:
    """The file field named ``"app_label.Model.field"``, whose storage must be a B2 storage."""
    try:
        app_label, model_name, field_name = label.split(".")
        field = apps.get_model(app_label, model_name)._meta.get_field(field_name)
    except (ValueError, LookupError, FieldDoesNotExist):
        raise ImproperlyConfigured(
            f"Direct uploads: {label!r} is not a model file field; give 'app_label.Model.field'."
        ) from None
    if not isinstance(field, FileField):
        raise ImproperlyConfigured(f"Direct uploads: {label!r} is not a FileField.")
    storage = field.storage
    if not isinstance(storage, BackblazeB2Storage):
        raise ImproperlyConfigured(
            f"Direct uploads: the storage of {label!r} is {type(storage).__name__}, not a B2 storage."
        )
    if storage.options.server_side_encryption is not None and storage.options.server_side_encryption.customer_key:
        raise ImproperlyConfigured(
            f"Direct uploads: the storage of {label!r} encrypts with a customer key (SSE-C), which a browser "
            "would need to upload parts: it must never get it. Upload through Django for this field."
        )
    return Target(label, field, storage)


def reachable_by_browsers(storage: BackblazeB2Storage) -> bool:
    """False for the in-process simulated B2 (``simulator: True`` without a local B2 server): its part
    URLs lead nowhere a browser can go, so files go through Django there."""
    simulator = storage.client.simulator
    return simulator is None or not getattr(simulator, "in_process", False)


def upload_origins(storage: BackblazeB2Storage) -> list[str]:
    """Where the browser sends parts, for a Content-Security-Policy's ``connect-src``: Backblaze's
    upload pods on B2 itself, else the origin of the B2 in use (the local B2 server)."""
    realm = storage.client.realm
    if "://" not in realm:
        return ["https://*.backblaze.com"]  # b2sdk's named realms: production, staging, dev
    scheme, _, rest = realm.partition("://")
    return [f"{scheme}://{rest.split('/', 1)[0]}"]


def minimum_part_size(storage: BackblazeB2Storage) -> int:
    """B2's ``absoluteMinimumPartSize`` for this account (no call once authorized)."""
    connection = storage.client
    connection.ensure_authorized()
    return int(connection.api.account_info.get_absolute_minimum_part_size())


def start(storage: BackblazeB2Storage, content_type: str | None) -> tuple[str, str]:
    """Start a large file under the incoming folder: ``(file_id, file_name)``. One class A call.

    It carries the storage's access mark already, so a proxy route never serves it to the wrong
    audience even in the moment between finishing and moving it."""
    # The start time is in the name, so the clean-up can tell an abandoned upload without asking B2.
    file_name = names.to_file_name(storage.options.location, f"{INCOMING_FOLDER}/{int(time.time())}-{uuid.uuid4().hex}")
    bucket = storage.bucket
    encryption = storage.encryption_arguments("write").get("encryption")
    started = storage.client.api.session.start_large_file(
        bucket.id_,
        file_name,
        content_type or AUTO_CONTENT_TYPE,
        mark_info(storage.route),
        server_side_encryption=encryption,
    )
    return str(started["fileId"]), file_name


def part_url(storage: BackblazeB2Storage, file_id: str) -> dict[str, str]:
    """An upload URL and token for parts of this one large file (class A). Safe to give the browser."""
    answer = storage.client.api.session.get_upload_part_url(file_id)
    return {"uploadUrl": str(answer["uploadUrl"]), "authorizationToken": str(answer["authorizationToken"])}


def parts(storage: BackblazeB2Storage, file_id: str) -> list[dict[str, Any]]:
    """The parts B2 holds of the large file (``b2_list_parts``, class A, one per 1000 parts)."""
    return [
        {"partNumber": part.part_number, "contentLength": int(part.content_length), "contentSha1": part.content_sha1}
        for part in storage.bucket.list_parts(file_id)
    ]


def finish(storage: BackblazeB2Storage, grant: Grant, sha1s: list[str]) -> dict[str, Any]:
    """Check the parts against the grant and the browser's SHA-1s, then finish the large file.

    Raises :class:`MismatchError` (and leaves the file open, so the browser can upload a part again) when a
    part is missing or differs.
    """
    plan = PartPlan(grant.size, grant.part_size)
    held = {part["partNumber"]: part for part in parts(storage, grant.file_id)}
    if len(sha1s) != plan.count:
        raise MismatchError(f"expected {plan.count} part SHA-1s, got {len(sha1s)}")
    for number in range(1, plan.count + 1):
        part = held.get(number)
        if part is None:
            raise MismatchError(f"part {number} has not been uploaded")
        if part["contentLength"] != plan.length(number):
            raise MismatchError(f"part {number} has {part['contentLength']} bytes, not {plan.length(number)}")
        if str(part["contentSha1"]).lower() != str(sha1s[number - 1]).lower():
            raise MismatchError(f"part {number} does not have the SHA-1 the browser computed")
    extra = sorted(number for number in held if number > plan.count)
    if extra:
        raise MismatchError(f"parts {extra} were not granted")
    finished: dict[str, Any] = storage.client.api.session.finish_large_file(
        grant.file_id, [held[number]["contentSha1"] for number in range(1, plan.count + 1)]
    )
    if int(finished.get("contentLength", -1)) != grant.size:
        delete(storage, grant.file_id, grant.file_name)
        raise MismatchError("the finished file does not have the granted size")
    return finished


def cancel(storage: BackblazeB2Storage, file_id: str) -> None:
    storage.bucket.cancel_large_file(file_id)


def delete(storage: BackblazeB2Storage, file_id: str, file_name: str) -> None:
    storage.bucket.delete_file_version(file_id, file_name)


def exists(storage: BackblazeB2Storage, file_id: str, file_name: str) -> bool:
    """Whether the finished incoming file is still there (not yet moved, not cleaned up): one HEAD."""
    try:
        version = storage.bucket.get_file_info_by_name(file_name)
    except FileNotPresent:
        return False
    return bool(version.id_ == file_id)


def b2_storages_in_use() -> list[tuple[str, BackblazeB2Storage]]:
    """("how settings name it", storage) for each B2 storage of ``STORAGES`` and the models' file
    fields, one per bucket and location (they share an incoming folder)."""
    found: dict[tuple[str, str], tuple[str, BackblazeB2Storage]] = {}
    candidates: list[tuple[str, Any]] = [
        (f"STORAGES[{alias!r}]", lambda backend=backend, options=options: backend(**options))
        for alias, backend, options in configured_backends()
        if issubclass(backend, BackblazeB2Storage)
    ]
    candidates += [(label, lambda field=field: field.storage) for label, field in file_fields()]
    for where, make in candidates:
        storage = make()
        if isinstance(storage, BackblazeB2Storage):
            found.setdefault((storage.options.bucket, storage.options.location), (where, storage))
    return list(found.values())
