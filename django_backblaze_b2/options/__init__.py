"""Every setting of the library: where options come from, how they merge, and the resolved result.

Options come from three places, later ones winning: the defaults, ``settings.BACKBLAZE_CONFIG``, and
the storage's constructor (keyword arguments, ``opts=``, or ``STORAGES[...]["OPTIONS"]``, which Django
passes as keyword arguments). They are resolved once, into an immutable :class:`StorageOptions`.
Each option is declared once, in :mod:`.spec`; :mod:`.typed` keeps 7.0.0's TypedDicts for typed
settings files.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.exceptions import ImproperlyConfigured

from .. import encryption, expiring_links, redaction, upload_headers
from .django_storages import ADVICE as DJANGO_STORAGES_NAMES
from .spec import (
    DEFAULT_ACCOUNT_INFO_CACHE,
    MERGED_OPTIONS,
    OPTIONS,
    PLACING_OPTIONS,
    SECRET_OPTIONS,
    UNSET,
    check_combinations,
)
from .typed import (
    AccountInfoConfig,
    BackblazeB2StorageOptions,
    CDNConfig,
    DjangoCacheAccountInfoConfig,
    InMemoryAccountInfoConfig,
    PossibleB2StorageOptions,
    ProxiedBucketNames,
    ProxiedLocations,
    SqliteAccountInfoConfig,
)

__all__ = [
    "DEFAULT_ACCOUNT_INFO_CACHE",
    "DJANGO_STORAGES_NAMES",
    "OPTIONS",
    "PLACING_OPTIONS",
    "SECRET_OPTIONS",
    "AccountInfoConfig",
    "BackblazeB2StorageOptions",
    "CDNConfig",
    "DjangoCacheAccountInfoConfig",
    "InMemoryAccountInfoConfig",
    "PossibleB2StorageOptions",
    "ProxiedBucketNames",
    "ProxiedLocations",
    "SqliteAccountInfoConfig",
    "StorageOptions",
    "check_known",
    "get_default_b2_storage_options",
    "resolve",
    "settings_config",
]


@dataclass(frozen=True)
class StorageOptions:
    """The resolved, validated options of one storage (fields: one per option of :mod:`.spec`).

    Secrets are kept out of ``repr``.
    """

    application_key_id: str = field(repr=False)
    application_key: str = field(repr=False)
    realm: str
    bucket: str
    location: str
    allow_file_overwrites: bool
    account_info: Mapping[str, str]
    forbid_file_property_caching: bool
    specific_bucket_names: Mapping[str, str | None]
    cdn_config: Mapping[str, Any] | None
    non_existent_bucket_details: Mapping[str, Any] | None
    default_file_info: Mapping[str, str]
    authorize_on_init: bool
    validate_on_init: bool
    simulator: bool
    specific_locations: Mapping[str, str | None]
    download_permission: str | None
    url_expiry: int | None
    url_expiry_scope: expiring_links.Scope
    expiring_private_urls: bool
    serve_unmarked_files: bool
    proxy_redirect_expiry: int | None
    proxy_offload: str | None
    server_side_encryption: encryption.ServerSideEncryption | None = field(repr=False)
    default_upload_headers: Mapping[str, str]  # as b2sdk upload arguments: {"cache_control": ...}
    upload_headers_function: str | upload_headers.HeadersFunction | None

    def __post_init__(self) -> None:
        if self.has_credentials:
            redaction.remember_application_key(self.application_key_id, self.application_key)

    @property
    def has_credentials(self) -> bool:
        return UNSET not in (self.application_key_id, self.application_key) and bool(
            self.application_key_id and self.application_key
        )


def get_default_b2_storage_options() -> BackblazeB2StorageOptions:
    """Every option with its default (a fresh copy: changing it changes nothing else)."""
    return cast(BackblazeB2StorageOptions, {option.name: copy.deepcopy(option.default) for option in OPTIONS})


def settings_config() -> dict[str, Any]:
    """``settings.BACKBLAZE_CONFIG`` as a dict (empty when unset)."""
    from django.conf import settings

    config = getattr(settings, "BACKBLAZE_CONFIG", {})
    if not isinstance(config, Mapping):
        raise ImproperlyConfigured(f"BACKBLAZE_CONFIG must be a dict, not {type(config).__name__}.")
    return dict(config)


def resolve(
    constructor_options: Mapping[str, Any],
    *,
    route: str | None = None,
    source: str = "the storage's keyword arguments",
) -> StorageOptions:
    """Merge defaults, ``BACKBLAZE_CONFIG`` and the constructor's options, then validate them.

    ``route`` names the proxy route of the storage class ("public", "logged_in", "staff"); its
    ``specific_bucket_names`` and ``specific_locations`` entries then choose the bucket and location.
    """
    from_settings = settings_config()
    check_known(from_settings, "BACKBLAZE_CONFIG")
    check_known(constructor_options, source)
    merged: dict[str, Any] = dict(get_default_b2_storage_options())
    for layer in (from_settings, constructor_options):
        for name, value in layer.items():
            if name in MERGED_OPTIONS and isinstance(value, Mapping) and isinstance(merged.get(name), Mapping):
                merged[name] = {**merged[name], **value}
            else:
                merged[name] = copy.deepcopy(value)
    if route is not None:
        for per_route, option in (("specific_bucket_names", "bucket"), ("specific_locations", "location")):
            entries = merged[per_route]
            if isinstance(entries, Mapping) and entries.get(route):
                merged[option] = entries[route]
    cleaned = {option.name: option.clean(merged[option.name], option.name) for option in OPTIONS}
    check_combinations(cleaned)
    return StorageOptions(**cleaned)


def check_known(options: Mapping[str, Any], source: str) -> None:
    """Refuse unknown option names, with django-storages' names translated."""
    known = [option.name for option in OPTIONS]
    unknown = sorted(str(name) for name in options if name not in known)
    if unknown:
        from_django_storages = [
            f"{name!r} is django-storages' name: use {DJANGO_STORAGES_NAMES[name]}."
            for name in unknown
            if name in DJANGO_STORAGES_NAMES
        ]
        raise ImproperlyConfigured(
            f"Unknown django-backblaze-b2 option(s) in {source}: {', '.join(repr(k) for k in unknown)}. "
            + "".join(f"{advice} " for advice in from_django_storages)
            + f"Known options are: {', '.join(sorted(known))}."
        )
