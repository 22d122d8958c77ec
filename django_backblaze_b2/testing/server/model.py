"""b2sdk's simulator objects, kept as the server's in-memory model of the account's metadata, with
their bytes moved to disk (:mod:`.blobs`) and an index of file versions by name, so that no call
costs more as a bucket grows (b2sdk's simulator sorts or scans every version on most calls)."""

from __future__ import annotations

import bisect
from typing import Any

from ..simulator import MB, RealisticBucketSimulator, RealisticRawSimulator
from ._b2 import FileRetentionSetting, FileSimulator, PartSimulator
from .blobs import EMPTY, Blob, BlobStore, Segment
from .errors import B2ApiError, bad_request

FileKey = tuple[str, str]  # (file name, file id): file ids count down, so a name's newest sorts first


class FileIndex(dict[FileKey, Any]):
    """A bucket's ``file_name_and_id_to_file`` that also keeps its keys sorted (for listings) and
    each name's versions (for downloads by name), updated as b2sdk's code adds and removes keys."""

    def __init__(self) -> None:
        super().__init__()
        self.sorted_keys: list[FileKey] = []
        self.versions: dict[str, list[str]] = {}
        self.unfinished: set[str] = set()  # ids of the large files started and not finished

    def __setitem__(self, key: FileKey, value: Any) -> None:
        if key not in self:
            bisect.insort(self.sorted_keys, key)
            bisect.insort(self.versions.setdefault(key[0], []), key[1])
        if value.action == "start":
            self.unfinished.add(key[1])
        super().__setitem__(key, value)

    def __delitem__(self, key: FileKey) -> None:
        super().__delitem__(key)
        self.unfinished.discard(key[1])
        del self.sorted_keys[bisect.bisect_left(self.sorted_keys, key)]
        ids = self.versions[key[0]]
        del ids[bisect.bisect_left(ids, key[1])]
        if not ids:
            del self.versions[key[0]]

    def pop(self, key: FileKey, *default: Any) -> Any:
        if key not in self:
            if default:
                return default[0]
            raise KeyError(key)
        value = self[key]
        del self[key]
        return value

    def newest(self, name: str) -> Any:
        """The newest finished version (an upload or a hide marker) of ``name``, or None."""
        for file_id in self.versions.get(name, ()):
            file_sim = super().__getitem__((name, file_id))
            if file_sim.action in ("upload", "hide"):
                return file_sim
        return None

    def keys_from(self, start: FileKey) -> Any:
        """Keys at or after ``start``, in order."""
        position = bisect.bisect_left(self.sorted_keys, start)
        return (self.sorted_keys[i] for i in range(position, len(self.sorted_keys)))


class ServerFileSimulator(FileSimulator):  # type: ignore[misc]
    """A file version whose ``data_bytes`` is a :class:`~.blobs.Blob` (bytes on disk)."""

    content_md5: str | None = None  # B2 knows it for files uploaded whole

    def finish(self, part_sha1_array: list[str]) -> None:
        parts = {part.part_number: part for part in self.parts if part is not None}
        last = max(parts)
        missing = [n for n in range(1, last + 1) if n not in parts]
        if missing:
            raise B2ApiError(400, "bad_request", f"Part number {missing[0]} is missing")
        if [parts[n].content_sha1 for n in range(1, last + 1)] != list(part_sha1_array):
            raise bad_request("partSha1Array does not match the parts uploaded")
        # The parts' files become the file's: nothing is copied.
        self.data_bytes = Blob(tuple(s for n in range(1, last + 1) for s in parts[n].part_data.segments))
        self.content_length = len(self.data_bytes)
        self.action = "upload"
        self.parts: list[Any] = []
        self.bucket.file_name_and_id_to_file.unfinished.discard(self.file_id)

    def blob_names(self) -> set[str]:
        """Every blob file this version owns (its bytes, or its unfinished parts')."""
        names = set(self.data_bytes.names()) if isinstance(self.data_bytes, Blob) else set()
        for part in getattr(self, "parts", None) or ():
            if part is not None:
                names |= part.part_data.names()
        return names


class ServerBucketSimulator(RealisticBucketSimulator):
    """A bucket with indexed versions, unique file ids, and bytes stored by the server's blob store."""

    FILE_SIMULATOR_CLASS = ServerFileSimulator

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.file_name_and_id_to_file: FileIndex = FileIndex()

    @property
    def blobs(self) -> BlobStore:
        return self.api.blobs  # type: ignore[no-any-return]

    def _check_capability(self, account_auth_token: str, capability: str) -> bool:
        # b2sdk's version digs the account token out of its own upload URLs; ours are opaque.
        key = self.api.key_for_token(account_auth_token)
        return key is not None and capability in key.capabilities

    def store_file(
        self,
        name: str,
        blob: Blob,
        sha1: str,
        md5: str | None,
        content_type: str,
        file_info: dict[str, str],
        encryption: Any,
        retention: Any,
        legal_hold: Any,
        upload_timestamp: int | None,
    ) -> Any:
        """A new version of ``name`` holding ``blob`` (``b2_upload_file``, ``b2_copy_file``)."""
        encryption = encryption or self.default_server_side_encryption
        if encryption:
            file_info = encryption.add_key_id_to_file_info(file_info)
        file_sim = self.FILE_SIMULATOR_CLASS(
            self.account_id,
            self,
            self._next_file_id(),
            "upload",
            name,
            content_type,
            sha1,
            file_info,
            blob,
            upload_timestamp if upload_timestamp is not None else next(self.upload_timestamp_counter),
            server_side_encryption=encryption,
            file_retention=retention,
            legal_hold=legal_hold,
        )
        file_sim.content_md5 = md5
        self.file_id_to_file[file_sim.file_id] = file_sim
        self.file_name_and_id_to_file[file_sim.sort_key()] = file_sim
        self.api.file_id_to_bucket_id[file_sim.file_id] = self.bucket_id
        return file_sim

    def store_part(self, file_sim: Any, part_number: int, blob: Blob, sha1: str, md5: str | None) -> set[str]:
        """Add (or replace) a part of an unfinished large file; the blob names it replaced."""
        parts = file_sim.parts
        replaced = parts[part_number] if part_number < len(parts) else None
        part = PartSimulator(file_sim.file_id, part_number, len(blob), sha1, blob)
        part.content_md5, part.upload_timestamp = md5, next(self.upload_timestamp_counter)
        file_sim.add_part(part_number, part)
        return replaced.part_data.names() if replaced is not None else set()

    def copy_file(
        self,
        account_auth_token: str,
        file_id: str,
        new_file_name: str,
        bytes_range: tuple[int, int] | None = None,
        metadata_directive: Any = None,
        content_type: str | None = None,
        file_info: dict[str, str] | None = None,
        destination_bucket_id: str | None = None,
        destination_server_side_encryption: Any = None,
        source_server_side_encryption: Any = None,
        file_retention: FileRetentionSetting | None = None,
        legal_hold: Any = None,
    ) -> Any:
        source = self.file_id_to_file[file_id]
        source.check_encryption(source_server_side_encryption)
        size = len(source.data_bytes)
        start, stop = (0, size) if bytes_range is None else (bytes_range[0], min(bytes_range[1] + 1, size))
        if stop - start > self.MAX_SIMPLE_COPY_SIZE:
            raise B2ApiError(400, "bad_request", f"Copy source too big: {stop - start}")
        segments = source.data_bytes.cut(start, stop)
        blob = self.blobs.link(segments, "f") if segments else EMPTY
        whole = (start, stop) == (0, size)
        sha1, md5 = (source.content_sha1, source.content_md5) if whole else self.blobs.digests(blob.segments)
        replace = metadata_directive is not None and metadata_directive.name == "REPLACE"
        destination = self.api.bucket_id_to_bucket.get(destination_bucket_id, self)
        return destination.store_file(
            new_file_name,
            blob,
            sha1,
            md5,
            content_type if replace else source.content_type,
            dict((file_info or {}) if replace else source.file_info),
            destination_server_side_encryption,
            file_retention,
            legal_hold,
            None,
        )


class ServerRawSimulator(RealisticRawSimulator):
    """The account behind a server: its URLs are the server's, its bytes are in ``blobs``."""

    BUCKET_SIMULATOR_CLASS = ServerBucketSimulator

    def __init__(self, realm: str, blobs: BlobStore, recommended_part_size: int = 100 * MB) -> None:
        super().__init__(recommended_part_size=recommended_part_size)
        self.API_URL = self.DOWNLOAD_URL = self.S3_API_URL = realm
        self.blobs = blobs
        self.tokens: Any = None  # the server's TokenStore, for upload tokens
        self.file_number = RealisticBucketSimulator.FIRST_FILE_NUMBER
        self.current_token = ""

    def next_file_number(self) -> int:
        number = self.file_number
        self.file_number -= 1
        return number

    def key_for_token(self, token: str | None) -> Any:
        """The key behind an account token or an upload token (None for neither)."""
        key = self.auth_token_to_key.get(token)
        if key is None and self.tokens is not None:
            target = self.tokens.uploads.get(token or "")
            key = self.key_id_to_key.get(target.key_id) if target is not None else None
        return key

    def copy_part_blob(self, source: Any, byte_range: tuple[int, int] | None) -> tuple[Blob, str, str]:
        """The bytes of a ``b2_copy_part``: hard links to the source's range, and their SHA-1 and MD5."""
        size = len(source.data_bytes)
        start, stop = (0, size) if byte_range is None else (byte_range[0], min(byte_range[1] + 1, size))
        segments: list[Segment] = source.data_bytes.cut(start, stop)
        blob = self.blobs.link(segments, "p") if segments else EMPTY
        return (blob, *self.blobs.digests(blob.segments))
