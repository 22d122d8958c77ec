"""Upload URLs and large files: ``b2_get_upload_url``, ``b2_get_upload_part_url``, ``b2_start_large_file``,
``b2_copy_part``, ``b2_list_parts``, ``b2_finish_large_file``, ``b2_cancel_large_file``,
``b2_list_unfinished_large_files``. The bodies of ``b2_upload_file``/``b2_upload_part`` are
received by :mod:`.uploads`."""

from __future__ import annotations

from . import shapes
from .codecs import encryption_from_request, file_retention_from_request, legal_hold_from_value, stored_retention
from .errors import bad_request
from .operations import Answer, Call, operation
from .ops_files import remove_version, version_answer
from .rules import check_file_info, check_file_name, content_type_for, parse_copy_range, part_number, require


def _upload_target(call: Call, kind: str, owner_id: str) -> Answer:
    """This server's upload URL for a bucket (``file``) or a large file (``part``), and its token."""
    target = call.backend.tokens.add_upload(kind, owner_id, call.key.application_key_id)
    api_name = "b2_upload_file" if kind == "file" else "b2_upload_part"
    # The last path segment only tells upload URLs apart, as B2's do.
    url = f"{call.realm}/b2api/{call.version}/{api_name}/{owner_id}/{target.token[2:10]}"
    return {"uploadUrl": url, "authorizationToken": target.token}


@operation("b2_get_upload_url", mutates=True)
def get_upload_url(call: Call) -> Answer:
    bucket = call.bucket()
    require(call.key, "writeFiles", bucket.bucket_id)
    return {"bucketId": bucket.bucket_id, **_upload_target(call, "file", bucket.bucket_id)}


@operation("b2_get_upload_part_url", mutates=True)
def get_upload_part_url(call: Call) -> Answer:
    file_sim = call.file(unfinished=True)
    require(call.key, "writeFiles", file_sim.bucket.bucket_id, file_sim.name)
    return {"fileId": file_sim.file_id, **_upload_target(call, "part", file_sim.file_id)}


@operation("b2_start_large_file", mutates=True)
def start_large_file(call: Call) -> Answer:
    params = call.params
    bucket = call.bucket()
    name = str(params.get("fileName", ""))
    check_file_name(name)
    require(call.key, "writeFiles", bucket.bucket_id, name)
    timestamp = params.get("customUploadTimestamp", params.get("custom_upload_timestamp"))
    answer: Answer = bucket.start_large_file(
        call.token,
        name,
        content_type_for(name, params.get("contentType")),
        check_file_info(params.get("fileInfo")),
        encryption_from_request(params.get("serverSideEncryption")),
        stored_retention(file_retention_from_request(params.get("fileRetention"))),
        legal_hold_from_value(params.get("legalHold")),
        custom_upload_timestamp=int(timestamp) if timestamp is not None else None,
    )
    call.sim.file_id_to_bucket_id[answer["fileId"]] = bucket.bucket_id
    call.changes.file(bucket.file_id_to_file[answer["fileId"]])
    return answer


@operation("b2_copy_part", mutates=True)
def copy_part(call: Call) -> Answer:
    params = call.params
    source = call.file(params.get("sourceFileId"))
    if source.action != "upload":
        raise bad_request(f"Copy source is not a file: {params.get('sourceFileId')}")
    large_file = call.file(params.get("largeFileId"), unfinished=True)
    require(call.key, "writeFiles", large_file.bucket.bucket_id, large_file.name)
    number = part_number(params.get("partNumber"))
    source.check_encryption(encryption_from_request(params.get("sourceServerSideEncryption")))
    blob, sha1, md5 = call.sim.copy_part_blob(source, parse_copy_range(params.get("range")))
    call.changes.garbage |= large_file.bucket.store_part(large_file, number, blob, sha1, md5)
    call.changes.parts.add((large_file.file_id, number))
    return part_answer(call, large_file, number)


def part_answer(call: Call, large_file: object, number: int) -> Answer:
    part = large_file.parts[number]  # type: ignore[attr-defined]
    answer: Answer = {
        "fileId": part.file_id,
        "partNumber": number,
        "contentLength": part.content_length,
        "contentSha1": part.content_sha1,
        "contentMd5": getattr(part, "content_md5", None),
        "uploadTimestamp": getattr(part, "upload_timestamp", None),
    }
    encryption = large_file.server_side_encryption  # type: ignore[attr-defined]
    if encryption is not None:
        answer["serverSideEncryption"] = encryption.serialize_to_json_for_request()
    return answer


@operation("b2_list_parts", mutates=False)
def list_parts(call: Call) -> Answer:
    file_sim = call.file(unfinished=True)
    require(call.key, "writeFiles", file_sim.bucket.bucket_id, file_sim.name)
    start = int(call.params.get("startPartNumber") or 1)
    count = int(call.params.get("maxPartCount") or 100)
    if not 1 <= count <= 1000:
        raise bad_request("maxPartCount must be between 1 and 1000")
    return file_sim.list_parts(start, count)  # type: ignore[no-any-return]


@operation("b2_finish_large_file", mutates=True)
def finish_large_file(call: Call) -> Answer:
    file_sim = call.file(unfinished=True)
    require(call.key, "writeFiles", file_sim.bucket.bucket_id, file_sim.name)
    parts = sorted((p for p in file_sim.parts if p is not None), key=lambda p: p.part_number)
    if len(parts) < 2:
        raise bad_request("A large file must have at least 2 parts")
    minimum = call.sim.MIN_PART_SIZE
    for part in parts[:-1]:
        if part.content_length < minimum:
            raise bad_request(f"Part number {part.part_number} is smaller than the minimum part size")
    sha1s = call.params.get("partSha1Array")
    if not isinstance(sha1s, list):
        raise bad_request("partSha1Array is required")
    file_sim.finish(sha1s)
    return version_answer(call, file_sim)


@operation("b2_cancel_large_file", mutates=True)
def cancel_large_file(call: Call) -> Answer:
    file_sim = call.file(unfinished=True)
    require(call.key, "writeFiles", file_sim.bucket.bucket_id, file_sim.name)
    remove_version(call, file_sim)
    return {
        "accountId": file_sim.account_id,
        "bucketId": file_sim.bucket.bucket_id,
        "fileId": file_sim.file_id,
        "fileName": file_sim.name,
    }


@operation("b2_list_unfinished_large_files", mutates=False)
def list_unfinished_large_files(call: Call) -> Answer:
    bucket = call.bucket()
    prefix = call.params.get("namePrefix")
    require(call.key, "listFiles", bucket.bucket_id, prefix)
    count = int(call.params.get("maxFileCount") or 100)
    if not 1 <= count <= 100:
        raise bad_request("maxFileCount must be between 1 and 100")
    start = str(call.params.get("startFileId") or "")
    index = bucket.file_name_and_id_to_file
    # As B2 (and b2sdk's simulator): from startFileId on, oldest first (file ids count down).
    ids = sorted((i for i in index.unfinished if not start or i <= start), reverse=True)
    files = [
        bucket.file_id_to_file[i] for i in ids if prefix is None or bucket.file_id_to_file[i].name.startswith(prefix)
    ]
    answer: Answer = {
        "files": [
            shapes.file_version(f.as_start_large_file_result(call.token), call.version, None) for f in files[:count]
        ],
        "nextFileId": files[count].file_id if len(files) > count else None,
    }
    return answer
