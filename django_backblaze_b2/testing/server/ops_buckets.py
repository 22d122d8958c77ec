"""Buckets: ``b2_list_buckets``, ``b2_create_bucket``, ``b2_update_bucket``, ``b2_delete_bucket``,
and their event notification rules."""

from __future__ import annotations

from typing import Any

from .codecs import bucket_retention_from_request, encryption_from_request, replication_from_request
from .cors import validate_rules
from .errors import B2ApiError, bad_request
from .operations import Answer, Call, operation
from .rules import check_bucket_name, check_bucket_type, new_bucket_id, require


def _boolean(value: Any) -> bool | None:
    """A JSON boolean, or a query parameter's ``"true"``/``"false"``."""
    if value is None or isinstance(value, bool):
        return value
    return str(value).lower() == "true"


@operation("b2_list_buckets", mutates=False)
def list_buckets(call: Call) -> Answer:
    require(call.key, "listBuckets")
    params = call.params
    types = params.get("bucketTypes") or ["all"]
    if isinstance(types, str):
        types = [t.strip() for t in types.strip("[]").replace('"', "").split(",")]
    buckets = []
    restricted_to = call.key.bucket_id_or_none
    for bucket in sorted(call.sim.bucket_id_to_bucket.values(), key=lambda b: b.bucket_name):
        if params.get("bucketId") and bucket.bucket_id != params["bucketId"]:
            continue
        if params.get("bucketName") and bucket.bucket_name != params["bucketName"]:
            continue
        if restricted_to is not None and bucket.bucket_id != restricted_to:
            continue
        if "all" in types or bucket.bucket_type in types:
            buckets.append(bucket.bucket_dict(call.token))
    return {"buckets": buckets}


@operation("b2_create_bucket", mutates=True)
def create_bucket(call: Call) -> Answer:
    params = call.params
    name = str(params.get("bucketName", ""))
    check_bucket_name(name)
    check_bucket_type(params.get("bucketType"), required=True)
    require(call.key, "writeBuckets")
    if name in call.sim.bucket_name_to_bucket:
        raise B2ApiError(400, "duplicate_bucket_name", "Bucket name is already in use.")
    call.sim.create_bucket(
        call.realm,
        call.token,
        call.key.account_id,
        name,
        params["bucketType"],
        bucket_info=params.get("bucketInfo"),
        cors_rules=validate_rules(params.get("corsRules") or []),
        lifecycle_rules=params.get("lifecycleRules"),
        default_server_side_encryption=encryption_from_request(params.get("defaultServerSideEncryption")),
        is_file_lock_enabled=_boolean(params.get("fileLockEnabled")),
        replication=replication_from_request(params.get("replicationConfiguration")),
    )
    # The simulator names buckets "bucket_N"; B2's ids are 24 hex digits.
    bucket = call.sim.bucket_name_to_bucket[name]
    del call.sim.bucket_id_to_bucket[bucket.bucket_id]
    bucket.bucket_id = new_bucket_id()
    call.sim.bucket_id_to_bucket[bucket.bucket_id] = bucket
    return bucket.bucket_dict(call.token)  # type: ignore[no-any-return]


@operation("b2_update_bucket", mutates=True)
def update_bucket(call: Call) -> Answer:
    params = call.params
    bucket = call.bucket()
    check_bucket_type(params.get("bucketType"), required=False)
    require(call.key, "writeBuckets", bucket.bucket_id)
    revision = params.get("ifRevisionIs")
    if revision is not None and int(revision) != bucket.revision:
        raise B2ApiError(409, "conflict", f"The bucket's revision is {bucket.revision}, not {revision}")
    rules = params.get("corsRules")
    return call.sim.update_bucket(  # type: ignore[no-any-return]
        call.realm,
        call.token,
        call.key.account_id,
        bucket.bucket_id,
        bucket_type=params.get("bucketType"),
        bucket_info=params.get("bucketInfo"),
        cors_rules=None if rules is None else validate_rules(rules),
        lifecycle_rules=params.get("lifecycleRules"),
        default_server_side_encryption=encryption_from_request(params.get("defaultServerSideEncryption")),
        default_retention=bucket_retention_from_request(params.get("defaultRetention")),
        replication=replication_from_request(params.get("replicationConfiguration")),
        is_file_lock_enabled=_boolean(params.get("fileLockEnabled")),
    )


@operation("b2_delete_bucket", mutates=True)
def delete_bucket(call: Call) -> Answer:
    bucket = call.bucket()
    require(call.key, "deleteBuckets", bucket.bucket_id)
    if bucket.file_id_to_file:
        # B2 answers 400 bad_request (b2sdk: BadRequest) while any version, finished or not, is left.
        raise bad_request(f"Cannot delete non-empty bucket {bucket.bucket_name}: it still holds file versions")
    answer: Answer = bucket.bucket_dict(call.token)
    del call.sim.bucket_name_to_bucket[bucket.bucket_name]
    del call.sim.bucket_id_to_bucket[bucket.bucket_id]
    return answer


@operation("b2_get_bucket_notification_rules", mutates=False)
def get_bucket_notification_rules(call: Call) -> Answer:
    bucket = call.bucket()
    require(call.key, "readBucketNotifications", bucket.bucket_id)
    return {"bucketId": bucket.bucket_id, "eventNotificationRules": bucket.get_notification_rules()}


@operation("b2_set_bucket_notification_rules", mutates=True)
def set_bucket_notification_rules(call: Call) -> Answer:
    bucket = call.bucket()
    require(call.key, "writeBucketNotifications", bucket.bucket_id)
    rules = call.params.get("eventNotificationRules")
    if not isinstance(rules, list):
        raise bad_request("eventNotificationRules must be a list")
    return {"bucketId": bucket.bucket_id, "eventNotificationRules": bucket.set_notification_rules(rules)}
