"""Downloads by name and by id (GET and HEAD): who may, which bytes (``Range``, read with the
library's own :mod:`django_backblaze_b2.http.ranges`), and the headers B2 answers with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...http.ranges import Unsatisfiable, select_range
from .blobs import Blob, Segment
from .errors import B2ApiError

# Query parameters of a download URL that override a response header (B2 allows them with a token).
HEADER_OVERRIDES = {
    "b2ContentDisposition": "Content-Disposition",
    "b2ContentLanguage": "Content-Language",
    "b2Expires": "Expires",
    "b2CacheControl": "Cache-Control",
    "b2ContentEncoding": "Content-Encoding",
    "b2ContentType": "Content-Type",
}


@dataclass
class Download:
    """What to answer a download (or its HEAD) with: the status, the headers, the bytes to send."""

    status: int
    headers: list[tuple[str, str]]
    segments: list[Segment]


def find_version(sim: Any, *, bucket_name: str | None, file_name: str | None, file_id: str | None) -> Any:
    """The version a download URL names: by id, or the newest of a name (404 when hidden or absent)."""
    if file_id is not None:
        bucket = sim.bucket_id_to_bucket.get(sim.file_id_to_bucket_id.get(file_id))
        file_sim = bucket.file_id_to_file.get(file_id) if bucket is not None else None
        if file_sim is None or file_sim.action != "upload":
            raise B2ApiError(404, "not_found", f"File not present: {file_id}")
        return file_sim
    bucket = sim.bucket_name_to_bucket.get(bucket_name)
    if bucket is None:
        raise B2ApiError(404, "not_found", f"Bucket does not exist: {bucket_name}")
    file_sim = bucket.file_name_and_id_to_file.newest(file_name or "")
    if file_sim is None or file_sim.action != "upload":
        raise B2ApiError(404, "not_found", f"File not present: {file_name}")
    return file_sim


def answer(
    file_sim: Any, *, account_token: str | None, headers: Mapping[str, str], query: Mapping[str, str]
) -> Download:
    blob: Blob = file_sim.data_bytes
    size = len(blob)
    found = dict(file_sim.as_download_headers(account_auth_token_or_none=account_token))
    found.pop("content-length", None)
    found["Accept-Ranges"] = "bytes"
    for parameter, header in HEADER_OVERRIDES.items():
        if parameter in query:
            found = {k: v for k, v in found.items() if k.lower() != header.lower()}
            found[header] = query[parameter]
    selected = select_range(headers.get("Range"), size)
    if isinstance(selected, Unsatisfiable):
        raise B2ApiError(
            416,
            "range_not_satisfiable",
            f"The range {headers.get('Range')} is not satisfiable for a file of {size} bytes",
            {"Content-Range": f"bytes */{size}"},
        )
    status, start, stop = 200, 0, size
    if selected is not None:
        status, start, stop = 206, selected.start, selected.stop
        found["Content-Range"] = selected.content_range(size)
    found["Content-Length"] = str(stop - start)
    return Download(status, list(found.items()), blob.cut(start, stop))
