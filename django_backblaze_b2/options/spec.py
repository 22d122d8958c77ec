"""Every option, declared once: its default, how a value is checked and cleaned, and its flags.

The defaults dict, the set of known names, the secret options, the options merged key by key and
the ones proxied storages take from settings only are all read off :data:`OPTIONS`. Each ``clean``
function checks one value and returns it as :class:`~.StorageOptions` holds it, raising
``ImproperlyConfigured`` with the option's name (never its value: some are secrets);
:func:`check_combinations` then refuses the combinations that cannot work.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from .. import buckets, encryption, expiring_links, names, upload_headers
from ..access import ROUTES
from ..http.offload import validated_location as offload_location

PREFIX = "django-backblaze-b2 option"
DEFAULT_ACCOUNT_INFO_CACHE = "django-backblaze-b2"
UNSET = "you must set this value yourself"

Clean = Callable[[Any, str], Any]


@dataclass(frozen=True)
class Option:
    name: str
    default: Any
    clean: Clean
    #: Kept out of migrations (``deconstruct()``) and of reprs.
    secret: bool = False
    #: A dict whose keys are merged one by one across defaults, settings and the constructor.
    merged: bool = False
    #: Decides where files live or whose account they are in: a proxied storage takes it from
    #: ``BACKBLAZE_CONFIG`` only, since its download route must find the same files.
    places_files: bool = False


def _expect(value: Any, kind: type | tuple[type, ...], name: str, what: str) -> None:
    if not isinstance(value, kind):
        raise ImproperlyConfigured(f"{PREFIX} {name!r} must be {what}, not {type(value).__name__}.")


# -- one value each ---------------------------------------------------------------------------------


def string(value: Any, name: str) -> str:
    _expect(value, str, name, "a string")
    return str(value)


def flag(value: Any, name: str) -> bool:
    _expect(value, bool, name, "True or False")
    return bool(value)


def bucket(value: Any, name: str) -> str:
    if not string(value, name):
        raise ImproperlyConfigured(f"{PREFIX} {name!r} must name a bucket.")
    return str(value)


def location(value: Any, name: str) -> str:
    try:
        return names.clean_location(string(value, name))
    except ValueError as error:
        raise ImproperlyConfigured(
            f"{PREFIX} {name!r} must be a plain prefix of B2 file names such as 'media/uploads': {error}"
        ) from None


def account_info(value: Any, name: str) -> dict[str, str]:
    if value is None:
        value = {"type": "django-cache"}
    _expect(value, Mapping, name, "a dict such as {'type': 'django-cache', 'cache': 'b2'}")
    kind = value.get("type")
    if kind == "django-cache":
        cache = value.get("cache", DEFAULT_ACCOUNT_INFO_CACHE)
        _expect(cache, str, f"{name}.cache", "the name of a cache in CACHES")
        return {"type": kind, "cache": cache}
    if kind == "memory":
        return {"type": kind}
    if kind == "sqlite":
        if not isinstance(value.get("database_path"), str):
            raise ImproperlyConfigured(
                f"{PREFIX} {name!r} of type 'sqlite' needs 'database_path', the path of the sqlite file to keep "
                "the authorization in."
            )
        return {"type": kind, "database_path": value["database_path"]}
    raise ImproperlyConfigured(
        f"{PREFIX} {name!r} has unknown type {kind!r}: use 'django-cache', 'memory' or 'sqlite'."
    )


def per_route(clean_one: Clean) -> Clean:
    """A dict with an optional entry per proxy route (``public``, ``logged_in``, ``staff``)."""

    def clean(value: Any, name: str) -> dict[str, Any]:
        value = value or {}
        _expect(value, Mapping, name, "a dict with keys 'public', 'logged_in', 'staff'")
        unknown = sorted(set(value) - set(ROUTES))
        if unknown:
            raise ImproperlyConfigured(
                f"{PREFIX} {name!r} has unknown key(s) {unknown}: use 'public', 'logged_in' and 'staff'."
            )
        return {route: clean_one(value[route], f"{name}.{route}") if value.get(route) else None for route in ROUTES}

    return clean


def dotted_path(value: Any, name: str) -> str | None:
    if value is None:
        return None
    _expect(value, str, name, "the dotted path of a callable, as a string")
    return str(value)


def cdn_config(value: Any, name: str) -> dict[str, Any] | None:
    if value is None:
        return None
    _expect(value, Mapping, name, "a dict with 'base_url' and 'include_bucket_url_segments'")
    if not isinstance(value.get("base_url"), str) or not value["base_url"]:
        raise ImproperlyConfigured(f"{PREFIX} {name!r} needs 'base_url', a URL string.")
    segments = bool(value.get("include_bucket_url_segments"))
    return {"base_url": value["base_url"], "include_bucket_url_segments": segments}


def bucket_details(value: Any, name: str) -> dict[str, Any] | None:
    return buckets.validated_details(value)


def file_info(value: Any, name: str) -> dict[str, str]:
    value = value or {}
    _expect(value, Mapping, name, "a dict of file info names to string values")
    return {str(key): str(item) for key, item in value.items()}


def seconds(value: Any, name: str) -> int | None:
    if value is None:
        return None
    try:
        return expiring_links.validated_seconds(value, repr(name))
    except ValueError as error:
        raise ImproperlyConfigured(f"{PREFIX} {error}") from None


def link_scope(value: Any, name: str) -> expiring_links.Scope:
    if value not in expiring_links.SCOPES:
        raise ImproperlyConfigured(
            f"{PREFIX} {name!r} must be 'file' (the default), 'folder' or 'location', not {value!r}."
        )
    return value  # type: ignore[no-any-return]


def server_side_encryption(value: Any, name: str) -> encryption.ServerSideEncryption | None:
    return encryption.parse(value)


def offload(value: Any, name: str) -> str | None:
    if value is None:
        return None
    try:
        return offload_location(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{PREFIX} {name!r} {error}.") from None


def headers(value: Any, name: str) -> dict[str, Any]:
    return upload_headers.validated_headers(value or {}, f"{PREFIX} {name!r}")


def headers_function(value: Any, name: str) -> str | upload_headers.HeadersFunction | None:
    return upload_headers.validated_function(value)


# -- the options, in the README's order -------------------------------------------------------------

OPTIONS: tuple[Option, ...] = (
    Option("application_key_id", UNSET, string, secret=True, places_files=True),
    Option("application_key", UNSET, string, secret=True, places_files=True),
    Option("realm", "production", string, places_files=True),
    Option("bucket", "django", bucket, places_files=True),
    Option("location", "", location, places_files=True),
    Option("allow_file_overwrites", False, flag),
    Option("account_info", {"type": "django-cache", "cache": DEFAULT_ACCOUNT_INFO_CACHE}, account_info),
    Option("forbid_file_property_caching", False, flag),
    Option("specific_bucket_names", {"public": None, "logged_in": None, "staff": None}, per_route(string), merged=True),
    Option("cdn_config", None, cdn_config),
    Option("non_existent_bucket_details", None, bucket_details),
    Option("default_file_info", {}, file_info, merged=True),
    # 7.0.0 defaulted both to True, which made importing models.py call B2. Errors now surface at
    # first use and in `manage.py check` instead.
    Option("authorize_on_init", False, flag),
    Option("validate_on_init", False, flag),
    Option("simulator", False, flag, places_files=True),
    Option(
        "specific_locations",
        {"public": None, "logged_in": None, "staff": None},
        per_route(location),
        merged=True,
        places_files=True,
    ),
    # Dotted path to a callable (request, storage, name) -> bool asked before a proxy view serves a file.
    Option("download_permission", None, dotted_path, places_files=True),
    Option("url_expiry", None, seconds),
    # A link opens the one file it was made for; "folder" and "location" are wider opt-ins.
    Option("url_expiry_scope", "file", link_scope),
    Option("expiring_private_urls", True, flag),
    # Files without an access mark where a more privileged storage could have written them answer 404
    # until marked, unless this is on (see access.py).
    Option("serve_unmarked_files", False, flag, places_files=True),
    Option("proxy_redirect_expiry", None, seconds),
    # The path of an nginx internal location that downloads from B2 itself (docs/proxy-views.md).
    Option("proxy_offload", None, offload),
    Option("server_side_encryption", None, server_side_encryption, secret=True),
    Option("default_upload_headers", {}, headers, merged=True),
    Option("upload_headers_function", None, headers_function),
)
BY_NAME: Mapping[str, Option] = {option.name: option for option in OPTIONS}
SECRET_OPTIONS = frozenset(option.name for option in OPTIONS if option.secret)
MERGED_OPTIONS = frozenset(option.name for option in OPTIONS if option.merged)
PLACING_OPTIONS = frozenset(option.name for option in OPTIONS if option.places_files)


# -- combinations -----------------------------------------------------------------------------------


def check_combinations(values: Mapping[str, Any]) -> None:
    """Refuse cleaned options that each look fine but cannot work together."""
    if values["url_expiry_scope"] == "location" and not values["location"]:
        raise ImproperlyConfigured(
            f"{PREFIX} 'url_expiry_scope' is 'location' but there is no 'location': a link would open every "
            "file in the bucket. Set 'location', or use scope 'folder' or 'file'."
        )
    sse = values["server_side_encryption"]
    customer_key = sse is not None and bool(sse.customer_key)
    linked = [name for name in ("url_expiry", "proxy_redirect_expiry") if values[name] is not None]
    if customer_key and linked:
        raise ImproperlyConfigured(f"{PREFIX}(s) {', '.join(map(repr, linked))}: {expiring_links.CUSTOMER_KEY_LINKS}")
    if values["proxy_offload"] is not None:
        if values["proxy_redirect_expiry"] is not None:
            raise ImproperlyConfigured(
                "django-backblaze-b2 options 'proxy_offload' and 'proxy_redirect_expiry' are both set: a permitted "
                "download is either handed to nginx or redirected to B2. Keep one."
            )
        if customer_key:
            raise ImproperlyConfigured(
                f"{PREFIX} 'proxy_offload' cannot serve files encrypted with a customer key (server_side_encryption "
                "mode 'SSE-C'): nginx would need the key. Unset 'proxy_offload' or use mode 'SSE-B2'."
            )
