"""Every setting of the library: defaults, merging, validation, and the messages for mistakes.

Options come from three places, later ones winning: the defaults below, ``settings.BACKBLAZE_CONFIG``,
and the storage's constructor (keyword arguments, ``opts=``, or ``STORAGES[...]["OPTIONS"]``, which
Django passes as keyword arguments). They are resolved once, into an immutable :class:`StorageOptions`.

The TypedDicts keep the names published by django-backblaze-b2 7.0.0 so that typed settings files
keep working.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Union

from django.core.exceptions import ImproperlyConfigured
from typing_extensions import TypedDict

from . import buckets, encryption, expiring_links, redaction, upload_headers
from .access import ROUTES
from .http.offload import validated_location as offload_location


class ProxiedBucketNames(TypedDict, total=False):
    public: str | None
    logged_in: str | None
    staff: str | None


class ProxiedLocations(TypedDict, total=False):
    public: str | None
    logged_in: str | None
    staff: str | None


class DjangoCacheAccountInfoConfig(TypedDict):
    type: Literal["django-cache"]
    cache: str


class InMemoryAccountInfoConfig(TypedDict):
    type: Literal["memory"]


class SqliteAccountInfoConfig(TypedDict):
    type: Literal["sqlite"]
    database_path: str


AccountInfoConfig = Union[DjangoCacheAccountInfoConfig, InMemoryAccountInfoConfig, SqliteAccountInfoConfig]  # noqa: UP007


class CDNConfig(TypedDict):
    base_url: str
    include_bucket_url_segments: bool


class PossibleB2StorageOptions(TypedDict, total=False):
    realm: str  # default "production"
    application_key_id: str
    application_key: str
    bucket: str
    authorize_on_init: bool
    validate_on_init: bool
    allow_file_overwrites: bool
    account_info: AccountInfoConfig | None
    forbid_file_property_caching: bool
    specific_bucket_names: ProxiedBucketNames
    cdn_config: CDNConfig | None
    non_existent_bucket_details: dict[str, Any] | None
    default_file_info: dict[str, Any]
    # New in this library
    location: str
    simulator: bool
    specific_locations: ProxiedLocations
    download_permission: str | None
    serve_unmarked_files: bool
    # Expiring links, encryption, upload headers (see docs/expiring-links-encryption-metadata.md)
    url_expiry: int | None
    url_expiry_scope: Literal["file", "folder", "location"]
    expiring_private_urls: bool
    proxy_redirect_expiry: int | None
    proxy_offload: str | None
    server_side_encryption: dict[str, Any] | None
    default_upload_headers: dict[str, str]
    upload_headers_function: Any


class BackblazeB2StorageOptions(TypedDict):
    realm: str
    application_key_id: str
    application_key: str
    bucket: str
    authorize_on_init: bool
    validate_on_init: bool
    allow_file_overwrites: bool
    account_info: AccountInfoConfig | None
    forbid_file_property_caching: bool
    specific_bucket_names: ProxiedBucketNames
    cdn_config: CDNConfig | None
    non_existent_bucket_details: dict[str, Any] | None
    default_file_info: dict[str, Any]
    location: str
    simulator: bool
    specific_locations: ProxiedLocations
    download_permission: str | None
    serve_unmarked_files: bool
    # Expiring links, encryption, upload headers (see docs/expiring-links-encryption-metadata.md)
    url_expiry: int | None
    url_expiry_scope: Literal["file", "folder", "location"]
    expiring_private_urls: bool
    proxy_redirect_expiry: int | None
    proxy_offload: str | None
    server_side_encryption: dict[str, Any] | None
    default_upload_headers: dict[str, str]
    upload_headers_function: Any


DEFAULT_ACCOUNT_INFO_CACHE = "django-backblaze-b2"
SECRET_OPTIONS = frozenset({"application_key", "application_key_id", "server_side_encryption"})
_UNSET = "you must set this value yourself"


def get_default_b2_storage_options() -> BackblazeB2StorageOptions:
    return {
        "realm": "production",
        "application_key_id": _UNSET,
        "application_key": _UNSET,
        "bucket": "django",
        # 7.0.0 defaulted both to True, which made importing models.py call B2. Errors now surface
        # at first use and in `manage.py check` instead.
        "authorize_on_init": False,
        "validate_on_init": False,
        "allow_file_overwrites": False,
        "account_info": {"type": "django-cache", "cache": DEFAULT_ACCOUNT_INFO_CACHE},
        "forbid_file_property_caching": False,
        "specific_bucket_names": {"public": None, "logged_in": None, "staff": None},
        "cdn_config": None,
        "non_existent_bucket_details": None,
        "default_file_info": {},
        "location": "",
        "simulator": False,
        # Per proxy route, a folder of its own in the bucket: {"public": ..., "logged_in": ..., "staff": ...}.
        "specific_locations": {"public": None, "logged_in": None, "staff": None},
        # Dotted path to a callable (request, storage, name) -> bool asked before a proxy view serves a file.
        "download_permission": None,
        # Whether a proxy route serves files without an access mark where a more privileged storage
        # could have written them (see access.py). Off: such files answer 404 until marked.
        "serve_unmarked_files": False,
        "url_expiry": None,
        # A link opens the one file it was made for; "folder" and "location" are wider opt-ins.
        "url_expiry_scope": "file",
        # url() of a file in a private bucket is an expiring link (url_expiry seconds, else an hour).
        "expiring_private_urls": True,
        "proxy_redirect_expiry": None,
        # The path of an nginx internal location that downloads from B2 itself (docs/proxy-views.md).
        "proxy_offload": None,
        "server_side_encryption": None,
        "default_upload_headers": {},
        "upload_headers_function": None,
    }


# Options whose dict values are merged key by key across sources rather than replaced.
_MERGED_DICTS = frozenset(
    {"specific_bucket_names", "specific_locations", "default_file_info", "default_upload_headers"}
)
_ROUTES = ROUTES


@dataclass(frozen=True)
class StorageOptions:
    """The resolved, validated options of one storage. Secrets are kept out of ``repr``."""

    realm: str
    application_key_id: str = field(repr=False)
    application_key: str = field(repr=False)
    bucket: str
    location: str
    authorize_on_init: bool
    validate_on_init: bool
    allow_file_overwrites: bool
    account_info: Mapping[str, str]
    forbid_file_property_caching: bool
    specific_bucket_names: Mapping[str, str | None]
    specific_locations: Mapping[str, str | None]
    download_permission: str | None
    serve_unmarked_files: bool
    cdn_config: Mapping[str, Any] | None
    non_existent_bucket_details: Mapping[str, Any] | None
    default_file_info: Mapping[str, str]
    simulator: bool
    url_expiry: int | None
    url_expiry_scope: expiring_links.Scope
    expiring_private_urls: bool
    proxy_redirect_expiry: int | None
    proxy_offload: str | None
    server_side_encryption: encryption.ServerSideEncryption | None
    default_upload_headers: Mapping[str, str]  # as b2sdk upload arguments: {"cache_control": ...}
    upload_headers_function: str | upload_headers.HeadersFunction | None

    def __post_init__(self) -> None:
        if self.has_credentials:
            redaction.remember_application_key(self.application_key_id, self.application_key)

    @property
    def has_credentials(self) -> bool:
        return _UNSET not in (self.application_key_id, self.application_key) and bool(
            self.application_key_id and self.application_key
        )


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
    ``specific_bucket_names`` entry then chooses the bucket.
    """
    from_settings = settings_config()
    check_known(from_settings, "BACKBLAZE_CONFIG")
    check_known(constructor_options, source)
    merged: dict[str, Any] = copy.deepcopy(dict(get_default_b2_storage_options()))
    for layer in (from_settings, constructor_options):
        for key, value in layer.items():
            if key in _MERGED_DICTS and isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = copy.deepcopy(value)
    if route is not None:
        specific = merged["specific_bucket_names"]
        if isinstance(specific, Mapping) and specific.get(route):
            merged["bucket"] = specific[route]
        locations = merged["specific_locations"]
        if isinstance(locations, Mapping) and locations.get(route):
            merged["location"] = locations[route]
    return _validated(merged)


#: django-storages' option names (S3 and the other backends), and what to use here instead.
DJANGO_STORAGES_NAMES = {
    "bucket_name": "'bucket'",
    "file_overwrite": "'allow_file_overwrites'",
    "querystring_auth": "'url_expiry' (seconds; private buckets get hour-long expiring links without it), "
    "or 'expiring_private_urls': False for plain links",
    "querystring_expire": "'url_expiry' (seconds)",
    "expiration": "'url_expiry' (seconds)",
    "custom_domain": "'cdn_config': {'base_url': 'https://cdn.example.com', 'include_bucket_url_segments': False}",
    "url_protocol": "the scheme in 'cdn_config' base_url",
    "object_parameters": "'default_upload_headers' ({'Cache-Control': ..., 'Content-Disposition': ...}), "
    "'default_file_info' or 'upload_headers_function'",
    "default_acl": "the bucket's type (allPublic or allPrivate; B2 has no per-file ACLs): "
    "'non_existent_bucket_details' when this library creates it, or PublicStorage/LoggedInStorage/StaffStorage",
    "access_key": "'application_key_id'",
    "access_key_id": "'application_key_id'",
    "secret_key": "'application_key'",
    "secret_access_key": "'application_key'",
    "endpoint_url": "'realm' (this library speaks B2's native API, not S3)",
    "region_name": "nothing: the application key knows its region",
    "signature_version": "nothing: B2's native API signs nothing locally",
    "addressing_style": "nothing: B2's native API has no addressing styles",
    "gzip": "'default_upload_headers' {'Content-Encoding': ...} with content you compress yourself",
    "max_memory_size": "nothing: writes spool to a temporary file past 4 MiB",
    "transfer_config": "nothing: B2 picks part sizes itself",
}


def check_known(options: Mapping[str, Any], source: str) -> None:
    known = get_default_b2_storage_options().keys()
    unknown = sorted(str(key) for key in options if key not in known)
    if unknown:
        from_django_storages = [
            f"{key!r} is django-storages' name: use {DJANGO_STORAGES_NAMES[key]}."
            for key in unknown
            if key in DJANGO_STORAGES_NAMES
        ]
        raise ImproperlyConfigured(
            f"Unknown django-backblaze-b2 option(s) in {source}: {', '.join(repr(k) for k in unknown)}. "
            + "".join(f"{advice} " for advice in from_django_storages)
            + f"Known options are: {', '.join(sorted(known))}."
        )


def _expect(value: Any, kind: type | tuple[type, ...], name: str, what: str) -> None:
    if not isinstance(value, kind):
        raise ImproperlyConfigured(f"django-backblaze-b2 option {name!r} must be {what}, not {type(value).__name__}.")


def _validated(merged: dict[str, Any]) -> StorageOptions:
    for name in ("realm", "application_key_id", "application_key", "bucket", "location"):
        # Never echo the value: two of these are secrets.
        _expect(merged[name], str, name, "a string")
    for name in (
        "authorize_on_init",
        "validate_on_init",
        "allow_file_overwrites",
        "forbid_file_property_caching",
        "simulator",
        "expiring_private_urls",
        "serve_unmarked_files",
    ):
        _expect(merged[name], bool, name, "True or False")
    if not merged["bucket"]:
        raise ImproperlyConfigured("django-backblaze-b2 option 'bucket' must name a bucket.")

    location = _clean_location(merged["location"], "location")

    account_info = merged["account_info"]
    if account_info is None:
        account_info = get_default_b2_storage_options()["account_info"]
    _expect(account_info, Mapping, "account_info", "a dict such as {'type': 'django-cache', 'cache': 'b2'}")
    kind = account_info.get("type")
    if kind == "django-cache":
        account_info = {"type": kind, "cache": account_info.get("cache", DEFAULT_ACCOUNT_INFO_CACHE)}
        _expect(account_info["cache"], str, "account_info.cache", "the name of a cache in CACHES")
    elif kind == "memory":
        account_info = {"type": kind}
    elif kind == "sqlite":
        if not isinstance(account_info.get("database_path"), str):
            raise ImproperlyConfigured(
                "django-backblaze-b2 option 'account_info' of type 'sqlite' needs 'database_path', "
                "the path of the sqlite file to keep the authorization in."
            )
        account_info = {"type": kind, "database_path": account_info["database_path"]}
    else:
        raise ImproperlyConfigured(
            f"django-backblaze-b2 option 'account_info' has unknown type {kind!r}: "
            "use 'django-cache', 'memory' or 'sqlite'."
        )

    specific = merged["specific_bucket_names"] or {}
    _expect(specific, Mapping, "specific_bucket_names", "a dict with keys 'public', 'logged_in', 'staff'")
    unknown_routes = sorted(set(specific) - set(_ROUTES))
    if unknown_routes:
        raise ImproperlyConfigured(
            f"django-backblaze-b2 option 'specific_bucket_names' has unknown key(s) {unknown_routes}: "
            "use 'public', 'logged_in' and 'staff'."
        )

    locations = merged["specific_locations"] or {}
    _expect(locations, Mapping, "specific_locations", "a dict with keys 'public', 'logged_in', 'staff'")
    unknown_routes = sorted(set(locations) - set(_ROUTES))
    if unknown_routes:
        raise ImproperlyConfigured(
            f"django-backblaze-b2 option 'specific_locations' has unknown key(s) {unknown_routes}: "
            "use 'public', 'logged_in' and 'staff'."
        )
    for route, route_location in locations.items():
        if route_location is not None:
            _expect(route_location, str, f"specific_locations.{route}", "a string or None")
            _clean_location(route_location, f"specific_locations.{route}")

    permission = merged["download_permission"]
    if permission is not None:
        _expect(permission, str, "download_permission", "the dotted path of a callable, as a string")

    cdn = merged["cdn_config"]
    if cdn is not None:
        _expect(cdn, Mapping, "cdn_config", "a dict with 'base_url' and 'include_bucket_url_segments'")
        if not isinstance(cdn.get("base_url"), str) or not cdn["base_url"]:
            raise ImproperlyConfigured("django-backblaze-b2 option 'cdn_config' needs 'base_url', a URL string.")
        cdn = {"base_url": cdn["base_url"], "include_bucket_url_segments": bool(cdn.get("include_bucket_url_segments"))}

    details = buckets.validated_details(merged["non_existent_bucket_details"])

    file_info = merged["default_file_info"] or {}
    _expect(file_info, Mapping, "default_file_info", "a dict of file info names to string values")

    return StorageOptions(
        realm=merged["realm"],
        application_key_id=merged["application_key_id"],
        application_key=merged["application_key"],
        bucket=merged["bucket"],
        location=location,
        authorize_on_init=merged["authorize_on_init"],
        validate_on_init=merged["validate_on_init"],
        allow_file_overwrites=merged["allow_file_overwrites"],
        account_info=account_info,
        forbid_file_property_caching=merged["forbid_file_property_caching"],
        specific_bucket_names={route: specific.get(route) for route in _ROUTES},
        specific_locations={
            route: _clean_location(locations[route], route) if locations.get(route) else None for route in _ROUTES
        },
        download_permission=permission,
        serve_unmarked_files=merged["serve_unmarked_files"],
        cdn_config=cdn,
        non_existent_bucket_details=details,
        default_file_info={str(k): str(v) for k, v in file_info.items()},
        simulator=merged["simulator"],
        expiring_private_urls=merged["expiring_private_urls"],
        **_feature_options(merged, location),
    )


def _clean_location(value: str, name: str) -> str:
    location = value.strip("/")
    if "\\" in location or "//" in location or any(part in (".", "..") for part in location.split("/") if location):
        raise ImproperlyConfigured(
            f"django-backblaze-b2 option {name!r} must be a plain key prefix such as 'media/uploads' "
            "(no '..', '.', '//' or backslashes)."
        )
    return location


def _feature_options(merged: dict[str, Any], location: str) -> dict[str, Any]:
    """Expiring links, server-side encryption and upload headers, and the combinations that cannot work."""
    expiries: dict[str, int | None] = {}
    for name in ("url_expiry", "proxy_redirect_expiry"):
        try:
            expiries[name] = (
                None if merged[name] is None else expiring_links.validated_seconds(merged[name], repr(name))
            )
        except ValueError as error:
            raise ImproperlyConfigured(f"django-backblaze-b2 option {error}") from None
    scope = merged["url_expiry_scope"]
    if scope not in expiring_links.SCOPES:
        raise ImproperlyConfigured(
            f"django-backblaze-b2 option 'url_expiry_scope' must be 'file' (the default), 'folder' or "
            f"'location', not {scope!r}."
        )
    if scope == "location" and not location:
        raise ImproperlyConfigured(
            "django-backblaze-b2 option 'url_expiry_scope' is 'location' but there is no 'location': a link "
            "would open every file in the bucket. Set 'location', or use scope 'folder' or 'file'."
        )
    sse = encryption.parse(merged["server_side_encryption"])
    if sse is not None and sse.customer_key:
        linked = [name for name, seconds in expiries.items() if seconds is not None]
        if linked:
            raise ImproperlyConfigured(
                f"django-backblaze-b2 option(s) {', '.join(map(repr, linked))}: {expiring_links.CUSTOMER_KEY_LINKS}"
            )
    offload = merged["proxy_offload"]
    if offload is not None:
        try:
            offload = offload_location(offload)
        except ValueError as error:
            raise ImproperlyConfigured(f"django-backblaze-b2 option 'proxy_offload' {error}.") from None
        if expiries["proxy_redirect_expiry"] is not None:
            raise ImproperlyConfigured(
                "django-backblaze-b2 options 'proxy_offload' and 'proxy_redirect_expiry' are both set: a permitted "
                "download is either handed to nginx or redirected to B2. Keep one."
            )
        if sse is not None and sse.customer_key:
            raise ImproperlyConfigured(
                "django-backblaze-b2 option 'proxy_offload' cannot serve files encrypted with a customer key "
                "(server_side_encryption mode 'SSE-C'): nginx would need the key. Unset 'proxy_offload' or use "
                "mode 'SSE-B2'."
            )
    return {
        **expiries,
        "proxy_offload": offload,
        "url_expiry_scope": scope,
        "server_side_encryption": sse,
        "default_upload_headers": upload_headers.validated_headers(
            merged["default_upload_headers"] or {}, "django-backblaze-b2 option 'default_upload_headers'"
        ),
        "upload_headers_function": upload_headers.validated_function(merged["upload_headers_function"]),
    }
