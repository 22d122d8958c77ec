"""Deployment checks that ask B2 whether each bucket in use is what the settings expect.

They call B2, so they run only with ``--deploy``: ``manage.py check --deploy`` (or ``--deploy --tag b2``
for just these). Plain ``manage.py check`` stays offline. Per account, one ``b2_authorize_account``
with the configured key (a cached token would hide a wrong key until it expires); per bucket, one
``b2_list_buckets``. They change nothing in B2: no bucket is created, no file read or written.
Each problem is reported once per bucket (or account), naming every place that uses it.

- ``django_backblaze_b2.E030``: the bucket does not exist and ``non_existent_bucket_details`` is not set.
- ``django_backblaze_b2.E031``: the bucket's type (public/private) is not the ``bucket_type`` of
  ``non_existent_bucket_details``.
- ``django_backblaze_b2.W032``: its default encryption is not the ``default_server_side_encryption`` of
  ``non_existent_bucket_details``.
- ``django_backblaze_b2.W033``: the application key may not read the bucket's default encryption.
- ``django_backblaze_b2.W034``: expiring links are configured on a public bucket, where they never expire.
- ``django_backblaze_b2.E035``: B2 refused the configured application key, or could not be asked (network).
- ``django_backblaze_b2.E036``: a storage's options are invalid.
- ``django_backblaze_b2.E052``: a static storage (direct links) on a bucket that is not public.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from b2sdk.v2.exception import B2Error
from django.core.checks import CheckMessage, Error, Warning
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage

from ..buckets import expected_encryption_mode
from ..client import AccountClient, client_for
from ..options import resolve
from ..storage import BackblazeB2Storage
from ..usage import configured_backends, file_fields
from .configuration import PROXIED_STORAGES, route_is_reachable, storage_options_problem


@dataclass
class _InUse:
    where: str  # how the settings name it, for messages
    storage: BackblazeB2Storage


def check_buckets(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Per account, one fresh authorization with the configured key; per bucket, one lookup. Changes
    nothing in B2 (no bucket is created, no manifest read) and never raises."""
    try:
        resolve({})
    except ImproperlyConfigured:
        return []  # BACKBLAZE_CONFIG is invalid: E010 says how, and no storage can reach B2
    messages: list[CheckMessage] = []
    accounts: dict[int, tuple[AccountClient, list[_InUse]]] = {}
    for where, make in _storages_in_use():
        try:
            storage = make()
            connection = client_for(storage.options)
        except ImproperlyConfigured as error:
            messages.append(Error(f"{where}: {error}", id="django_backblaze_b2.E036"))
            continue
        except Exception as error:  # a user's subclass failing to build: reported, never raised
            messages.append(
                Error(f"{where}: the storage could not be built ({_describe(error)}).", id="django_backblaze_b2.E036")
            )
            continue
        accounts.setdefault(id(connection), (connection, []))[1].append(_InUse(where, storage))
    for connection, in_use in accounts.values():
        messages.extend(_check_account(connection, in_use))
    return _unique(messages)


def _check_account(connection: AccountClient, in_use: list[_InUse]) -> list[CheckMessage]:
    try:
        api = connection.verified_api()
    except Exception as error:  # a diagnostic reports, it never crashes
        return [
            Error(
                f"{_places(in_use)}: B2 refused the configured application key ({_describe(error)}). Pages "
                "may keep working on a token cached earlier, until it expires (within a day).",
                hint="Check BACKBLAZE_CONFIG's 'application_key_id', 'application_key' and 'realm', and the "
                "network; `manage.py b2_check` probes each storage end to end.",
                id="django_backblaze_b2.E035",
            )
        ]
    by_bucket: dict[str, list[_InUse]] = {}
    for item in in_use:
        by_bucket.setdefault(item.storage.options.bucket, []).append(item)
    messages: list[CheckMessage] = []
    for name, users in by_bucket.items():
        try:
            found = api.list_buckets(bucket_name=name)
        except Exception as error:
            messages.append(
                Error(
                    f"{_places(users)}: could not look up bucket {name!r} in B2 ({_describe(error)}).",
                    hint="The application key needs the listBuckets capability; check the network.",
                    id="django_backblaze_b2.E035",
                )
            )
            continue
        messages.extend(_merged([_compare(item, found[0] if found else None) for item in users], users))
    return messages


def _merged(per_storage: list[list[CheckMessage]], users: list[_InUse]) -> list[CheckMessage]:
    """One message per problem of a bucket, naming every place that has it."""
    places: dict[tuple[str, str, str | None, str | None], list[str]] = {}
    made: dict[tuple[str, str, str | None, str | None], CheckMessage] = {}
    for item, found in zip(users, per_storage, strict=True):
        for message in found:
            key = (type(message).__name__, message.msg, message.hint, message.id)
            made.setdefault(key, message)
            if item.where not in places.setdefault(key, []):
                places[key].append(item.where)
    return [
        CheckMessage(message.level, f"{', '.join(places[key])}: {message.msg}", hint=message.hint, id=message.id)
        for key, message in made.items()
    ]


def _places(in_use: list[_InUse]) -> str:
    return ", ".join(dict.fromkeys(item.where for item in in_use))


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if isinstance(error, B2Error | OSError) else type(error).__name__


def _compare(item: _InUse, bucket: Any) -> list[CheckMessage]:
    options = item.storage.options
    name, details = options.bucket, options.non_existent_bucket_details
    if bucket is None:
        if details is not None:
            return []  # it will be created on first use
        return [
            Error(
                f"bucket {name!r} does not exist in B2, so saving and reading files will fail.",
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
                f"bucket {name!r} is {bucket.type_}, but non_existent_bucket_details['bucket_type'] "
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
                f"cannot tell whether bucket {name!r} encrypts new files by default: the application "
                "key may not read the bucket's encryption settings.",
                hint="Give the key the readBucketEncryption capability, or check the bucket in the Backblaze console.",
                id="django_backblaze_b2.W033",
            )
        )
    elif expected is not None and actual_value != expected:
        messages.append(
            Warning(
                f"bucket {name!r} has default encryption {actual_value!r}, but "
                f"non_existent_bucket_details['default_server_side_encryption'] asks for {expected!r}.",
                hint="Set the bucket's default encryption in the Backblaze console, or set "
                "BACKBLAZE_CONFIG['server_side_encryption'] = {'mode': 'SSE-B2'} to encrypt every upload anyway.",
                id="django_backblaze_b2.W032",
            )
        )
    if getattr(item.storage, "requires_public_bucket", False) and bucket.type_ != "allPublic":
        messages.append(
            Error(
                f"{type(item.storage).__name__} links straight to files in bucket {name!r}, which is "
                f"{bucket.type_}: browsers would get 401 for every static file.",
                hint="Make the bucket public (allPublic), or use a bucket of its own for static files.",
                id="django_backblaze_b2.E052",
            )
        )
    linked = [option for option in ("url_expiry", "proxy_redirect_expiry") if getattr(options, option) is not None]
    if linked and bucket.type_ == "allPublic":
        messages.append(
            Warning(
                f"{' and '.join(linked)} make expiring links, but bucket {name!r} is public: "
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
            if storage_options_problem(alias, backend, options) is not None:
                continue  # the settings check E050 names the mistake
            # Built as Django builds it, not taken from django.core.files.storage.storages, whose
            # instances outlive a changed STORAGES setting on Django 4.2.
            # authorize_on_init off: with validate_on_init, building the storage would create its bucket.
            build = {**options, "authorize_on_init": False}
            found.append((f"STORAGES[{alias!r}]", lambda backend=backend, options=build: backend(**options)))
    for label, field in file_fields():
        storage = field.storage
        if storage is default_storage:
            continue  # STORAGES["default"], above; isinstance() would build it here, outside the try
        if isinstance(storage, BackblazeB2Storage):
            found.append((label, lambda storage=storage: storage))
    for route, storage_class in PROXIED_STORAGES.items():
        if route_is_reachable(route):  # the route's view serves files with a storage of its own
            found.append((storage_class.__name__, lambda cls=storage_class: cls(authorize_on_init=False)))
    return found


def _unique(messages: list[CheckMessage]) -> list[CheckMessage]:
    seen: list[CheckMessage] = []
    for message in messages:
        if message not in seen:
            seen.append(message)
    return seen
