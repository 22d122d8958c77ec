"""The typed shapes of ``BACKBLAZE_CONFIG``, under the names django-backblaze-b2 7.0.0 published.

They exist for type checkers (typed settings files keep working); at run time every option is
declared once, in :mod:`.spec`, and a test holds these shapes to it. The two TypedDicts list the same
keys because a TypedDict cannot be made optional key by key from another one.
"""

from __future__ import annotations

from typing import Any, Literal, Union

from typing_extensions import TypedDict


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


class BackblazeB2StorageOptions(TypedDict):
    """Every option, as :func:`~django_backblaze_b2.options.get_default_b2_storage_options` returns them."""

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
    url_expiry: int | None
    url_expiry_scope: Literal["file", "folder", "location"]
    expiring_private_urls: bool
    proxy_redirect_expiry: int | None
    proxy_offload: str | None
    server_side_encryption: dict[str, Any] | None
    default_upload_headers: dict[str, str]
    upload_headers_function: Any


class PossibleB2StorageOptions(TypedDict, total=False):
    """Any subset of the options: what ``BACKBLAZE_CONFIG`` and a storage's constructor take."""

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
    url_expiry: int | None
    url_expiry_scope: Literal["file", "folder", "location"]
    expiring_private_urls: bool
    proxy_redirect_expiry: int | None
    proxy_offload: str | None
    server_side_encryption: dict[str, Any] | None
    default_upload_headers: dict[str, str]
    upload_headers_function: Any
