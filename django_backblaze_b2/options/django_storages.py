"""django-storages' option names, and what to use here instead (for the unknown-option message)."""

from __future__ import annotations

ADVICE = {
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
