"""``b2_list_file_names`` and ``b2_list_file_versions`` as B2 answers them (``prefix``, ``delimiter``,
``startFileName``/``startFileId``, ``maxFileCount``), read from the bucket's sorted index: a page
costs what it returns (and the versions it skips), not the size of the bucket."""

from __future__ import annotations

import bisect
from typing import Any

from . import shapes
from .errors import bad_request
from .operations import Answer, Call, operation
from .rules import require

MAX_FILE_COUNT = 10_000


def folder_entry(bucket: Any, folder: str) -> dict[str, Any]:
    """A listing's "folder" entry, as B2 returns it when a delimiter is given."""
    return {
        "accountId": bucket.account_id,
        "action": "folder",
        "bucketId": bucket.bucket_id,
        "contentLength": 0,
        "contentSha1": None,
        "contentType": None,
        "fileId": None,
        "fileInfo": {},
        "fileName": folder,
        "uploadTimestamp": 0,
    }


def _list(call: Call, *, versions: bool) -> Answer:
    params = call.params
    bucket = call.bucket()
    prefix = str(params.get("prefix") or "")
    require(call.key, "listFiles", bucket.bucket_id, prefix if call.key.name_prefix_or_none is not None else None)
    delimiter = str(params.get("delimiter") or "")
    try:
        max_count = int(params.get("maxFileCount") or 100)
    except ValueError as exc:
        raise bad_request("maxFileCount must be a number") from exc
    if not 1 <= max_count <= MAX_FILE_COUNT:
        raise bad_request(f"maxFileCount must be between 1 and {MAX_FILE_COUNT}")
    start_name = max(str(params.get("startFileName") or ""), prefix)
    start_id = str(params.get("startFileId") or "") if versions and start_name == params.get("startFileName") else ""
    index = bucket.file_name_and_id_to_file
    keys = index.sorted_keys
    entries: list[tuple[str, str | None, dict[str, Any]]] = []
    seen_name = None
    position = bisect.bisect_left(keys, (start_name, start_id))
    while position < len(keys) and len(entries) <= max_count:
        name, file_id = keys[position]
        if not name.startswith(prefix):
            break
        position += 1
        file_sim = index[(name, file_id)]
        if not versions:
            if file_sim.action not in ("upload", "hide") or name == seen_name:
                continue
            seen_name = name  # the newest finished version (ids count down) decides
            if file_sim.action == "hide":
                continue
        cut = name.find(delimiter, len(prefix)) if delimiter else -1
        if cut >= 0:
            folder = name[: cut + len(delimiter)]
            entries.append(
                (folder, None, shapes.file_version(folder_entry(bucket, folder), call.version, None, listing=True))
            )
            # Everything under the folder sorts before its successor: jump there.
            position = bisect.bisect_left(keys, (folder[:-1] + chr(ord(folder[-1]) + 1), ""))
            continue
        entry = file_sim.as_list_files_dict(call.token)
        entries.append((name, file_id, shapes.file_version(entry, call.version, file_sim.content_md5, listing=True)))
    answer: Answer = {"files": [entry for _, _, entry in entries[:max_count]], "nextFileName": None}
    if versions:
        answer["nextFileId"] = None
    if len(entries) > max_count:
        answer["nextFileName"] = entries[max_count][0]
        if versions:
            answer["nextFileId"] = entries[max_count][1]
    return answer


@operation("b2_list_file_names", mutates=False)
def list_file_names(call: Call) -> Answer:
    return _list(call, versions=False)


@operation("b2_list_file_versions", mutates=False)
def list_file_versions(call: Call) -> Answer:
    return _list(call, versions=True)
