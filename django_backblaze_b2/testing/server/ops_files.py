"""File versions: information, hiding, deleting, server-side copies, Object Lock settings."""

from __future__ import annotations

from typing import Any

from . import listing, shapes  # noqa: F401 (listing registers the listings)
from ._b2 import LegalHold, MetadataDirectiveMode
from .codecs import encryption_from_request, file_retention_from_request, legal_hold_from_value, stored_retention
from .errors import B2ApiError, bad_request
from .operations import Answer, Call, operation
from .rules import (
    check_delete,
    check_file_info,
    check_file_name,
    check_lock_enabled,
    check_retention_change,
    content_type_for,
    parse_copy_range,
    require,
)


def version_answer(call: Call, file_sim: Any, *, action: str | None = None) -> Answer:
    answer = shapes.file_version(file_sim.as_upload_result(call.token), call.version, file_sim.content_md5)
    if action is not None:
        answer["action"] = action
    return answer


def remove_version(call: Call, file_sim: Any) -> None:
    """Forget a version (its blobs go once the call is saved)."""
    bucket = file_sim.bucket
    del bucket.file_name_and_id_to_file[file_sim.sort_key()]
    del bucket.file_id_to_file[file_sim.file_id]
    call.sim.file_id_to_bucket_id.pop(file_sim.file_id, None)
    call.changes.file(file_sim)


@operation("b2_get_file_info", mutates=False)
def get_file_info(call: Call) -> Answer:
    file_sim = call.file()
    require(call.key, "readFiles", file_sim.bucket.bucket_id, file_sim.name)
    return version_answer(call, file_sim)


@operation("b2_hide_file", mutates=True)
def hide_file(call: Call) -> Answer:
    bucket = call.bucket()
    name = str(call.params.get("fileName", ""))
    require(call.key, "writeFiles", bucket.bucket_id, name)
    newest = bucket.file_name_and_id_to_file.newest(name)
    if newest is None:
        raise B2ApiError(400, "no_such_file", f"File not present: {name}")
    if newest.action == "hide":
        raise B2ApiError(400, "already_hidden", f"File already hidden: {name}")
    answer = bucket.hide_file(call.token, name)
    call.changes.file(bucket.file_id_to_file[answer["fileId"]])
    return shapes.file_version(answer, call.version, None)


@operation("b2_delete_file_version", mutates=True)
def delete_file_version(call: Call) -> Answer:
    file_sim = call.file()
    if file_sim.name != call.params.get("fileName"):
        raise B2ApiError(400, "file_not_present", f"File not present: {call.params.get('fileName')}")
    require(call.key, "deleteFiles", file_sim.bucket.bucket_id, file_sim.name)
    bypass = call.params.get("bypassGovernance") in (True, "true")
    check_delete(file_sim, call.key, bypass)
    if file_sim.file_retention is None:
        # Through the simulator's own call, which tests of the served simulator may watch (its
        # retention check compares milliseconds with seconds: versions with retention skip it).
        call.sim.delete_file_version(call.realm, call.token, file_sim.file_id, file_sim.name, bypass)
        call.sim.file_id_to_bucket_id.pop(file_sim.file_id, None)
    else:
        remove_version(call, file_sim)
    return {"fileId": file_sim.file_id, "fileName": file_sim.name}


@operation("b2_copy_file", mutates=True)
def copy_file(call: Call) -> Answer:
    params = call.params
    source = call.file(params.get("sourceFileId"))
    if source.action != "upload":
        raise bad_request(f"Copy source is not a file: {params.get('sourceFileId')}")
    require(call.key, "readFiles", source.bucket.bucket_id, source.name)
    name = str(params.get("fileName", ""))
    check_file_name(name)
    destination = call.bucket(params.get("destinationBucketId") or source.bucket.bucket_id)
    require(call.key, "writeFiles", destination.bucket_id, name)
    directive = params.get("metadataDirective") or "COPY"
    if directive not in ("COPY", "REPLACE"):
        raise bad_request(f"metadataDirective must be COPY or REPLACE, not {directive!r}")
    content_type, file_info = params.get("contentType"), params.get("fileInfo")
    if directive == "COPY" and (content_type is not None or file_info is not None):
        raise bad_request("contentType and fileInfo must not be given with metadataDirective COPY")
    if directive == "REPLACE" and content_type is None:
        raise bad_request("contentType is required with metadataDirective REPLACE")
    retention = stored_retention(file_retention_from_request(params.get("fileRetention")))
    legal_hold = legal_hold_from_value(params.get("legalHold"))
    copied = source.bucket.copy_file(
        call.token,
        source.file_id,
        name,
        bytes_range=parse_copy_range(params.get("range")),
        metadata_directive=MetadataDirectiveMode[directive],
        content_type=content_type_for(name, content_type) if content_type is not None else None,
        file_info=check_file_info(file_info) if file_info is not None else None,
        destination_bucket_id=destination.bucket_id,
        destination_server_side_encryption=encryption_from_request(params.get("destinationServerSideEncryption")),
        source_server_side_encryption=encryption_from_request(params.get("sourceServerSideEncryption")),
        file_retention=retention,
        legal_hold=legal_hold,
    )
    call.changes.file(copied)
    return version_answer(call, copied, action="copy")


@operation("b2_update_file_retention", mutates=True)
def update_file_retention(call: Call) -> Answer:
    file_sim = call.file()
    if file_sim.name != call.params.get("fileName"):
        raise B2ApiError(400, "file_not_present", f"File not present: {call.params.get('fileName')}")
    require(call.key, "writeFileRetentions", file_sim.bucket.bucket_id, file_sim.name)
    check_lock_enabled(file_sim.bucket, "File retention")
    retention = file_retention_from_request(call.params.get("fileRetention"))
    if retention is None:
        raise bad_request("fileRetention is required")
    bypass = call.params.get("bypassGovernance") in (True, "true")
    check_retention_change(file_sim.file_retention, retention, call.key, bypass)
    file_sim.file_retention = stored_retention(retention)
    return {
        "fileId": file_sim.file_id,
        "fileName": file_sim.name,
        "fileRetention": retention.serialize_to_json_for_request(),
    }


@operation("b2_update_file_legal_hold", mutates=True)
def update_file_legal_hold(call: Call) -> Answer:
    file_sim = call.file()
    if file_sim.name != call.params.get("fileName"):
        raise B2ApiError(400, "file_not_present", f"File not present: {call.params.get('fileName')}")
    require(call.key, "writeFileLegalHolds", file_sim.bucket.bucket_id, file_sim.name)
    check_lock_enabled(file_sim.bucket, "A legal hold")
    value = legal_hold_from_value(call.params.get("legalHold"))
    if value is None:
        raise bad_request("legalHold is required ('on' or 'off')")
    file_sim.legal_hold = value
    return {
        "fileId": file_sim.file_id,
        "fileName": file_sim.name,
        "legalHold": "on" if value == LegalHold.ON else "off",
    }
