"""Deployment checks that ask B2 whether each bucket in use is what the settings expect.

They call B2 (one ``b2_list_buckets`` per bucket), so they run only with ``--deploy``:
``manage.py check --deploy`` (or ``--deploy --tag b2`` for just these). Plain ``manage.py check``
stays offline.

- ``django_backblaze_b2.E030``: the bucket does not exist and ``non_existent_bucket_details`` is not set.
- ``django_backblaze_b2.E031``: the bucket's type (public/private) is not the ``bucket_type`` of
  ``non_existent_bucket_details``.
- ``django_backblaze_b2.W032``: its default encryption is not the ``default_server_side_encryption`` of
  ``non_existent_bucket_details``.
- ``django_backblaze_b2.W033``: the application key may not read the bucket's default encryption.
- ``django_backblaze_b2.W034``: expiring links are configured on a public bucket, where they never expire.
- ``django_backblaze_b2.E035``: B2 could not be asked (credentials, network).
- ``django_backblaze_b2.E036``: a storage's options are invalid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from b2sdk.v2.exception import B2Error
from django.core.checks import CheckMessage, Error, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.urls import NoReverseMatch, reverse

from .buckets import expected_encryption_mode
from .client import client_for
from .storage import BackblazeB2Storage
from .usage import configured_backends, file_fields

TAG = "b2"


@dataclass
class _InUse:
    where: str  # how the settings name it, for messages
    storage: BackblazeB2Storage


@register(TAG, deploy=True)
def check_buckets(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    in_use: list[_InUse] = []
    for where, make in _storages_in_use():
        try:
            in_use.append(_InUse(where, make()))
        except ImproperlyConfigured as error:
            messages.append(Error(f"{where}: {error}", id="django_backblaze_b2.E036"))
    buckets: dict[tuple[int, str], Any] = {}
    for item in in_use:
        options = item.storage.options
        connection = client_for(options)
        lookup = (id(connection), options.bucket)
        try:
            if lookup not in buckets:
                connection.ensure_authorized()
                found = connection.api.list_buckets(bucket_name=options.bucket)
                buckets[lookup] = found[0] if found else None
        except (B2Error, ImproperlyConfigured, OSError) as error:
            messages.append(
                Error(
                    f"{item.where}: could not look up bucket {options.bucket!r} in B2 "
                    f"({type(error).__name__}: {error}).",
                    hint="Check BACKBLAZE_CONFIG's application key (it needs the listBuckets capability) "
                    "and the network.",
                    id="django_backblaze_b2.E035",
                )
            )
            buckets[lookup] = _UNREACHABLE
        bucket = buckets[lookup]
        if bucket is not _UNREACHABLE:
            messages.extend(_compare(item, bucket))
    return _unique(messages)


_UNREACHABLE = object()


def _compare(item: _InUse, bucket: Any) -> list[CheckMessage]:
    options = item.storage.options
    name, details = options.bucket, options.non_existent_bucket_details
    if bucket is None:
        if details is not None:
            return []  # it will be created on first use
        return [
            Error(
                f"{item.where}: bucket {name!r} does not exist in B2, so saving and reading files will fail.",
                hint="Create it in the Backblaze console, or set BACKBLAZE_CONFIG['non_existent_bucket_details'] = "
                "{'bucket_type': 'allPrivate'} to create it on first use.",
                id="django_backblaze_b2.E030",
            )
        ]
    messages: list[CheckMessage] = []
    if details is not None and bucket.type_ != details["bucket_type"]:
        exposed = bucket.type_ == "allPublic"
        messages.append(
            Error(
                f"{item.where}: bucket {name!r} is {bucket.type_}, but non_existent_bucket_details['bucket_type'] "
                f"is {details['bucket_type']}."
                + (" Anyone who knows a file's name can download it." if exposed else ""),
                hint="Change the bucket's type in the Backblaze console (Buckets > Bucket Settings), or the setting.",
                id="django_backblaze_b2.E031",
            )
        )
    expected = expected_encryption_mode(details)
    actual = getattr(getattr(bucket, "default_server_side_encryption", None), "mode", None)
    actual_value = getattr(actual, "value", None)
    if expected is not None and actual_value is None:  # b2sdk's EncryptionMode.UNKNOWN, or no setting at all
        messages.append(
            Warning(
                f"{item.where}: cannot tell whether bucket {name!r} encrypts new files by default: the application "
                "key may not read the bucket's encryption settings.",
                hint="Give the key the readBucketEncryption capability, or check the bucket in the Backblaze console.",
                id="django_backblaze_b2.W033",
            )
        )
    elif expected is not None and actual_value != expected:
        messages.append(
            Warning(
                f"{item.where}: bucket {name!r} has default encryption {actual_value!r}, but "
                f"non_existent_bucket_details['default_server_side_encryption'] asks for {expected!r}.",
                hint="Set the bucket's default encryption in the Backblaze console, or set "
                "BACKBLAZE_CONFIG['server_side_encryption'] = {'mode': 'SSE-B2'} to encrypt every upload anyway.",
                id="django_backblaze_b2.W032",
            )
        )
    linked = [option for option in ("url_expiry", "proxy_redirect_expiry") if getattr(options, option) is not None]
    if linked and bucket.type_ == "allPublic":
        messages.append(
            Warning(
                f"{item.where}: {' and '.join(linked)} make expiring links, but bucket {name!r} is public: "
                "its files can be downloaded without the token, forever.",
                hint="Make the bucket private (allPrivate), or drop the option.",
                id="django_backblaze_b2.W034",
            )
        )
    return messages


def _storages_in_use() -> list[tuple[str, Any]]:
    """(how to name it, how to build it) for every B2 storage the project uses."""
    found: list[tuple[str, Any]] = []
    for alias, backend, options in configured_backends():
        if issubclass(backend, BackblazeB2Storage):
            # Built as Django builds it, not taken from django.core.files.storage.storages, whose
            # instances outlive a changed STORAGES setting on Django 4.2.
            found.append((f"STORAGES[{alias!r}]", lambda backend=backend, options=options: backend(**options)))
    for label, field in file_fields():
        storage = field.storage
        if storage is default_storage:
            continue  # STORAGES["default"], above; isinstance() would build it here, outside the try
        if isinstance(storage, BackblazeB2Storage):
            found.append((label, lambda storage=storage: storage))
    from .storages import LoggedInStorage, PublicStorage, StaffStorage

    for storage_class in (PublicStorage, LoggedInStorage, StaffStorage):
        try:
            reverse(f"django_b2_storage:{storage_class.url_name}", args=["x"])
        except NoReverseMatch:
            continue  # its route is not in the URLconf
        found.append((storage_class.__name__, storage_class))
    return found


def _unique(messages: list[CheckMessage]) -> list[CheckMessage]:
    seen: list[CheckMessage] = []
    for message in messages:
        if message not in seen:
            seen.append(message)
    return seen
