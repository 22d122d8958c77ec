"""b2sdk's in-process ``RawSimulator``, made realistic enough to test a Django storage on.

Out of the box the simulator reports 200-byte parts (so every file of 400 bytes becomes a
multi-part upload), runs out of upload URLs after 200 and of timestamps after 4999 uploads, stamps
files with counters instead of times, and answers HEAD of a hidden file with the hide marker.
:class:`RealisticRawSimulator` fixes those, and counts every call by its B2 API name so tests can
hold code to a transaction budget.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from b2sdk.v2 import BucketSimulator, RawSimulator
from b2sdk.v2.exception import BadRequest, FileNotPresent

MB = 1_000_000

# RawSimulator method -> the B2 native API call it stands for. Downloads are told apart by URL.
API_NAMES: dict[str, str] = {
    "authorize_account": "b2_authorize_account",
    "cancel_large_file": "b2_cancel_large_file",
    "copy_file": "b2_copy_file",
    "copy_part": "b2_copy_part",
    "create_bucket": "b2_create_bucket",
    "create_key": "b2_create_key",
    "delete_bucket": "b2_delete_bucket",
    "delete_file_version": "b2_delete_file_version",
    "delete_key": "b2_delete_key",
    "finish_large_file": "b2_finish_large_file",
    "get_download_authorization": "b2_get_download_authorization",
    "get_file_info_by_id": "b2_get_file_info",
    # A HEAD on the download URL: billed like a download (class B).
    "get_file_info_by_name": "b2_get_file_info_by_name",
    "get_upload_part_url": "b2_get_upload_part_url",
    "get_upload_url": "b2_get_upload_url",
    "hide_file": "b2_hide_file",
    "list_buckets": "b2_list_buckets",
    "list_file_names": "b2_list_file_names",
    "list_file_versions": "b2_list_file_versions",
    "list_keys": "b2_list_keys",
    "list_parts": "b2_list_parts",
    "list_unfinished_large_files": "b2_list_unfinished_large_files",
    "start_large_file": "b2_start_large_file",
    "update_bucket": "b2_update_bucket",
    "update_file_legal_hold": "b2_update_file_legal_hold",
    "update_file_retention": "b2_update_file_retention",
    "upload_file": "b2_upload_file",
    "upload_part": "b2_upload_part",
}

# Backblaze's transaction classes (https://www.backblaze.com/cloud-storage/transaction-pricing).
CLASS_B = frozenset(
    {"b2_download_file_by_id", "b2_download_file_by_name", "b2_get_file_info", "b2_get_file_info_by_name"}
)
CLASS_C = frozenset(
    {
        "b2_authorize_account",
        "b2_copy_file",
        "b2_copy_part",
        "b2_create_bucket",
        "b2_create_key",
        "b2_delete_bucket",
        "b2_delete_key",
        "b2_get_download_authorization",
        "b2_list_buckets",
        "b2_list_file_names",
        "b2_list_file_versions",
        "b2_list_keys",
        "b2_update_bucket",
    }
)


def transaction_class(api_name: str) -> str:
    """ "A" (free), "B" or "C" for a B2 API name."""
    if api_name in CLASS_B:
        return "B"
    if api_name in CLASS_C:
        return "C"
    return "A"


class CallLog:
    """Counts of B2 API calls by name; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()

    def record(self, api_name: str) -> None:
        with self._lock:
            self.counts[api_name] += 1

    def __getitem__(self, api_name: str) -> int:
        return self.counts[api_name]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def billed(self) -> int:
        """Calls of class B and C, the ones Backblaze charges for."""
        return sum(n for name, n in self.counts.items() if transaction_class(name) != "A")

    def by_class(self) -> dict[str, int]:
        totals = {"A": 0, "B": 0, "C": 0}
        for name, n in self.counts.items():
            totals[transaction_class(name)] += n
        return totals

    def clear(self) -> None:
        with self._lock:
            self.counts.clear()

    def as_dict(self) -> dict[str, int]:
        return dict(sorted(self.counts.items()))

    def __repr__(self) -> str:
        return f"CallLog({self.as_dict()})"


def _epoch_millis() -> Iterator[int]:
    """Upload timestamps as B2 gives them: milliseconds since the epoch, strictly increasing."""
    last = 0
    while True:
        last = max(last + 1, int(time.time() * 1000))
        yield last


def _start_within_prefix(start_file_name: str | None, prefix: str | None) -> str | None:
    """Where a listing starts so it only walks names under ``prefix``; None: nothing to list.

    Without a prefix this is ``start_file_name`` or ``""`` (the beginning of the bucket).
    """
    if not prefix:
        return start_file_name or ""
    if not start_file_name or start_file_name < prefix:
        return prefix
    if start_file_name.startswith(prefix):
        return start_file_name
    return None  # starts past every name under the prefix


class RealisticBucketSimulator(BucketSimulator):  # type: ignore[misc]
    FIRST_FILE_NUMBER = 999_999_999_999  # file ids count down; twelve digits keep them sorting right
    FIRST_FILE_ID = str(FIRST_FILE_NUMBER)
    MAX_SIMPLE_COPY_SIZE = 5_000 * MB

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.upload_url_counter = itertools.count()
        self.upload_timestamp_counter = _epoch_millis()

    def _next_file_id(self) -> str:
        # b2sdk counts file ids per bucket, so two buckets hand out the same ids and a server-side
        # copy between them reads the wrong file. Real B2 file ids are unique across buckets.
        return str(self.api.next_file_number())

    def list_file_names(
        self,
        account_auth_token: str,
        start_file_name: str | None = None,
        max_file_count: int | None = None,
        prefix: str | None = None,
    ) -> Any:
        # Real B2 starts a listing with a prefix at the prefix; the simulator starts at the first
        # name in the bucket and stops at the first one outside the prefix (so it returns nothing).
        start_file_name = _start_within_prefix(start_file_name, prefix)
        if start_file_name is None:
            return {"files": [], "nextFileName": None}
        return super().list_file_names(account_auth_token, start_file_name, max_file_count, prefix)

    def list_file_versions(
        self,
        account_auth_token: str,
        start_file_name: str | None = None,
        start_file_id: str | None = None,
        max_file_count: int | None = None,
        prefix: str | None = None,
    ) -> Any:
        adjusted = _start_within_prefix(start_file_name, prefix)
        if adjusted is None:
            return {"files": [], "nextFileName": None, "nextFileId": None}
        if adjusted != start_file_name:
            start_file_id = None
        return super().list_file_versions(account_auth_token, adjusted, start_file_id, max_file_count, prefix)

    def get_file_info_by_name(self, account_auth_token: str, file_name: str) -> Any:
        # Real B2 answers HEAD of a hidden file with 404; the simulator returns the hide marker.
        for (name, _file_id), file_sim in sorted(self.file_name_and_id_to_file.items()):
            if name == file_name:
                if not file_sim.is_visible():
                    break
                return file_sim.as_download_headers(account_auth_token_or_none=account_auth_token)
        raise FileNotPresent(file_id_or_name=file_name, bucket_name=self.bucket_name)

    # Real B2 answers 400 for parts, a finish or a cancel of a large file that is no longer open
    # (finished, cancelled or unknown); the simulator raises KeyError, or finishes it again.
    def _open_large_file(self, file_id: str) -> Any:
        file_sim = self.file_id_to_file.get(file_id)
        if file_sim is None or file_sim.action != "start":
            raise BadRequest(f"No active upload for: {file_id}", "bad_request")
        return file_sim

    def list_parts(self, file_id: str, start_part_number: int, max_part_count: int) -> Any:
        self._open_large_file(file_id)
        return super().list_parts(file_id, start_part_number, max_part_count)

    def finish_large_file(self, account_auth_token: str, file_id: str, part_sha1_array: Any) -> Any:
        self._open_large_file(file_id)
        return super().finish_large_file(account_auth_token, file_id, part_sha1_array)

    def cancel_large_file(self, file_id: str) -> Any:
        self._open_large_file(file_id)
        return super().cancel_large_file(file_id)


class RealisticRawSimulator(RawSimulator):  # type: ignore[misc]
    """A ``RawSimulator`` with B2's part sizes and a :class:`CallLog`."""

    BUCKET_SIMULATOR_CLASS = RealisticBucketSimulator
    MIN_PART_SIZE = 5 * MB  # B2's absolute minimum part size

    def __init__(self, *args: Any, recommended_part_size: int = 100 * MB, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bucket_id_counter = itertools.count()
        self.recommended_part_size = recommended_part_size
        self.call_log = CallLog()
        self._file_numbers = itertools.count(RealisticBucketSimulator.FIRST_FILE_NUMBER, -1)
        self._file_numbers_lock = threading.Lock()

    def next_file_number(self) -> int:
        """File ids for every bucket, counting down (newer versions sort first, as on B2)."""
        with self._file_numbers_lock:
            return next(self._file_numbers)

    def copy_file(self, *args: Any, destination_bucket_id: str | None = None, **kwargs: Any) -> Any:
        # b2sdk's simulator forgets which bucket holds the copy, so the copy can't be deleted later.
        response = super().copy_file(*args, destination_bucket_id=destination_bucket_id, **kwargs)
        if destination_bucket_id:
            self.file_id_to_bucket_id[response["fileId"]] = destination_bucket_id
        return response

    def authorize_account(self, realm_url: str, application_key_id: str, application_key: str) -> Any:
        response = super().authorize_account(realm_url, application_key_id, application_key)
        response["apiInfo"]["storageApi"]["recommendedPartSize"] = self.recommended_part_size
        return response

    def download_file_from_url(self, account_auth_token_or_none: Any, url: str, *args: Any, **kwargs: Any) -> Any:
        by_id = "b2_download_file_by_id" in url
        self.call_log.record("b2_download_file_by_id" if by_id else "b2_download_file_by_name")
        return super().download_file_from_url(account_auth_token_or_none, url, *args, **kwargs)


def _counted(method: Callable[..., Any], api_name: str) -> Callable[..., Any]:
    def counted(self: RealisticRawSimulator, *args: Any, **kwargs: Any) -> Any:
        self.call_log.record(api_name)
        return method(self, *args, **kwargs)

    counted.__name__ = method.__name__
    counted.__doc__ = method.__doc__
    return counted


for _method_name, _api_name in API_NAMES.items():
    setattr(
        RealisticRawSimulator,
        _method_name,
        _counted(getattr(RealisticRawSimulator, _method_name), _api_name),
    )
