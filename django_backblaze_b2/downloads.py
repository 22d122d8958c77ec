"""The B2 calls one HTTP answer about a stored file costs, fewest first: the call budget of the proxy
routes, in one place.

- A plain GET: one download, whose headers carry the metadata.
- A player's first request, ``Range: bytes=0-``, of a file whose size is not remembered: one
  whole-file download gives the size and the body (streamed only up to the range's end), where a
  HEAD and a ranged download would cost two.
- Any other Range GET: the size from the last minute's memo if there is one, then a ranged download
  that must be the same version (else once more, afresh).
- HEAD and conditional requests: a fresh HEAD (a 304/412 has no version check to fall back on), plus
  a download only when a body is sent.

``decide`` turns the file's metadata into the HTTP decision (and may refuse the file by raising);
the caller streams ``downloaded`` when the decision has a body, and closes it otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from b2sdk.v2.exception import InvalidRange, UnsatisfiableRange

from .http import Decision
from .metadata import FileMetadata
from .storage import BackblazeB2Storage

CONDITIONAL_HEADERS = ("If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since")


class StaleMetadataError(Exception):
    """The file changed twice while being served."""


@dataclass(frozen=True)
class Fetched:
    decision: Decision
    downloaded: Any = None  # b2sdk's DownloadedFile, when the decision has a body to stream


Decide = Callable[[FileMetadata], Decision]


def fetch(storage: BackblazeB2Storage, name: str, method: str, headers: Mapping[str, str], decide: Decide) -> Fetched:
    """The decision for ``method`` with ``headers`` on ``name``, and the download its body needs."""
    conditional = any(header in headers for header in CONDITIONAL_HEADERS)
    ranged = method == "GET" and "Range" in headers
    if method == "GET" and not conditional and not ranged:
        downloaded = storage.download(name)
        return Fetched(_decided(decide, downloaded), downloaded)

    from_start = headers.get("Range", "").replace(" ", "").lower().startswith("bytes=0-")
    if ranged and from_start and not conditional and storage.remembered_metadata(name) is None:
        downloaded = storage.download(name)
        decision = _decided(decide, downloaded)
        if decision.body_range is None or decision.body_range.start == 0:
            return Fetched(decision, downloaded)
        downloaded.response.close()  # several ranges, say: the size is remembered for the loop below

    for attempt in range(2):
        if ranged and not conditional and attempt == 0:
            metadata = storage.remembered_metadata(name) or storage.get_file_metadata(name)
        else:
            metadata = storage.get_file_metadata(name)
        decision = decide(metadata)
        body_range = decision.body_range
        if body_range is None:
            return Fetched(decision)
        whole = body_range.start == 0 and body_range.stop == metadata.size
        try:
            downloaded = storage.download(name, None if whole else (body_range.start, body_range.last))
        except (InvalidRange, UnsatisfiableRange):
            continue  # the file shrank since its size was learnt (b2sdk's check, or B2's 416)
        if downloaded.download_version.id_ == metadata.file_id:
            return Fetched(decision, downloaded)
        downloaded.response.close()  # replaced since its metadata was learnt
    raise StaleMetadataError(name)


def _decided(decide: Decide, downloaded: Any) -> Decision:
    """``decide`` on a download's own metadata; the download is closed if ``decide`` refuses it."""
    try:
        return decide(FileMetadata.from_version(downloaded.download_version))
    except BaseException:
        downloaded.response.close()
        raise
