"""B2's answers per API version (``/b2api/v1/...`` to ``/b2api/v4/...``), as b2sdk and B2's docs read them.

v1 and v2 answer ``b2_authorize_account`` flat (``apiUrl``, ``downloadUrl``, ``recommendedPartSize``,
``allowed`` with one ``bucketId``) and v3 nests it under ``apiInfo.storageApi``; v4 lists a key's
buckets (``allowed.buckets``, ``bucketIds``). v1 listings give a version's size as ``size``, later
versions as ``contentLength``.
"""

from __future__ import annotations

from typing import Any

from .errors import bad_request


def number(version: str) -> int:
    return int(version.removeprefix("v"))


def authorization(
    version: str, *, token: str, key: Any, realm: str, part_size: int, minimum: int, bucket_name: str | None
) -> dict[str, Any]:
    """``b2_authorize_account``'s answer for ``key``."""
    bucket_id = key.bucket_id_or_none
    expiration = key.expiration_timestamp_or_none
    allowed: dict[str, Any] = {
        "capabilities": list(key.capabilities),
        "namePrefix": key.name_prefix_or_none,
    }
    if number(version) >= 4:
        allowed["buckets"] = [{"id": bucket_id, "name": bucket_name}] if bucket_id else None
    else:
        allowed.update(bucketId=bucket_id, bucketName=bucket_name)
    storage = {
        "apiUrl": realm,
        "downloadUrl": realm,
        "s3ApiUrl": realm,
        "recommendedPartSize": part_size,
        "absoluteMinimumPartSize": minimum,
    }
    answer: dict[str, Any] = {
        "accountId": key.account_id,
        "authorizationToken": token,
        "applicationKeyExpirationTimestamp": expiration and expiration * 1000,
    }
    if number(version) <= 2:
        answer.update(storage, allowed=allowed)
        answer["minimumPartSize"] = minimum  # v1's name for the smallest part
    else:
        storage.update(infoType="storageApi", allowed=allowed, capabilities=allowed["capabilities"])
        storage["namePrefix"] = key.name_prefix_or_none
        if number(version) == 3:  # v3 has the key's bucket beside its capabilities
            storage.update(bucketId=bucket_id, bucketName=bucket_name)
        answer["apiInfo"] = {"storageApi": storage, "groupsApi": {}}
    return answer


def file_version(value: dict[str, Any], version: str, md5: str | None, *, listing: bool = False) -> dict[str, Any]:
    """A file version as ``b2_upload_file``, ``b2_get_file_info``, ... (or a listing) answers it."""
    answer = dict(value)
    if answer.get("action") != "folder":
        answer["contentMd5"] = md5
    if listing and number(version) == 1:
        answer["size"] = answer.pop("contentLength", 0)
    return answer


def key(value: dict[str, Any], version: str) -> dict[str, Any]:
    """An application key as ``b2_create_key``/``b2_list_keys`` answer it (v3 on: ``bucketIds``)."""
    answer = dict(value)
    bucket_id = answer.pop("bucketId", None)
    answer.pop("bucketIds", None)
    if number(version) >= 3:
        answer["bucketIds"] = [bucket_id] if bucket_id else None
    else:
        answer["bucketId"] = bucket_id
    answer.setdefault("options", ["s3"])
    return answer


def key_bucket_id(params: dict[str, Any], version: str) -> str | None:
    """The bucket a new key is restricted to (``bucketId`` up to v2, ``bucketIds`` from v3)."""
    bucket_ids = params.get("bucketIds")
    if bucket_ids:
        if not isinstance(bucket_ids, list) or len(bucket_ids) > 1:
            raise bad_request("This server restricts a key to one bucket at most")
        return str(bucket_ids[0])
    bucket_id = params.get("bucketId")
    return str(bucket_id) if bucket_id else None
