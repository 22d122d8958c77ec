"""B2's error answers: ``{"status": N, "code": "...", "message": "..."}``, and the mapping from the
simulator's exceptions to them, so b2sdk raises over HTTP what it would raise against B2."""

from __future__ import annotations

from b2sdk.v2.exception import (
    AccessDenied,
    BadJson,
    BadRequest,
    ChecksumMismatch,
    Conflict,
    DisablingFileLockNotSupported,
    DuplicateBucketName,
    FileNotPresent,
    FileSha1Mismatch,
    InvalidAuthToken,
    InvalidMetadataDirective,
    MissingPart,
    NonExistentBucket,
    PartSha1Mismatch,
    SourceReplicationConflict,
    SSECKeyError,
    Unauthorized,
    UnsatisfiableRange,
    WrongEncryptionModeForBucketDefault,
    WrongEncryptionSettingForFileWrite,
)

# The code B2 answers with for each status when nothing more specific applies.
DEFAULT_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "access_denied",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    409: "conflict",
    416: "range_not_satisfiable",
    429: "too_many_requests",
    500: "internal_error",
    503: "service_unavailable",
}


class B2ApiError(Exception):
    """An error answer, as B2 sends it."""

    def __init__(
        self,
        status: int,
        code: str | None = None,
        message: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code or DEFAULT_CODES.get(status, "internal_error")
        self.message = message
        self.headers = dict(headers or {})

    def body(self) -> dict[str, object]:
        return {"status": self.status, "code": self.code, "message": self.message}


def bad_request(message: str, code: str = "bad_request") -> B2ApiError:
    return B2ApiError(400, code, message)


def b2_error_from_exception(exc: BaseException, api_name: str) -> B2ApiError:
    """The answer B2 gives where the simulator raised ``exc`` during ``api_name``."""
    if isinstance(exc, B2ApiError):
        return exc
    message = str(exc)
    if isinstance(exc, InvalidAuthToken):
        code = "expired_auth_token" if "expired" in (exc.code or "") else "bad_auth_token"
        return B2ApiError(401, code, message)
    if isinstance(exc, Unauthorized):
        return B2ApiError(401, "unauthorized", exc.message or "")
    # Not exported by b2sdk's public API levels: told apart by name.
    kind = type(exc).__name__
    if isinstance(exc, FileNotPresent) or kind == "ResourceNotFound":
        if api_name in ("b2_delete_file_version", "b2_hide_file"):
            return B2ApiError(400, "file_not_present", message)
        return B2ApiError(404, "not_found", message)
    if isinstance(exc, NonExistentBucket):
        if api_name.startswith("b2_download") or api_name == "b2_get_file_info_by_name":
            return B2ApiError(404, "not_found", f"Bucket does not exist: {exc.bucket_name}")
        return B2ApiError(400, "bad_bucket_id", f"Invalid bucketId: {exc.bucket_name}")
    if isinstance(exc, DuplicateBucketName):
        return B2ApiError(400, "duplicate_bucket_name", "Bucket name is already in use.")
    if isinstance(exc, UnsatisfiableRange):
        return B2ApiError(416, "range_not_satisfiable", "The range is not satisfiable")
    if isinstance(exc, SSECKeyError | AccessDenied):
        return B2ApiError(403, "access_denied", message)
    if isinstance(exc, MissingPart):
        return B2ApiError(400, "missing_part", message)
    if isinstance(exc, PartSha1Mismatch):
        return B2ApiError(400, "part_sha1_mismatch", message)
    if isinstance(exc, FileSha1Mismatch | ChecksumMismatch):
        return B2ApiError(400, "bad_request", "Sha1 did not match data received")
    if kind == "CopySourceTooBig":
        return B2ApiError(400, "source_too_large", message)
    if kind == "UploadTokenUsedConcurrently":
        token = getattr(exc, "token", "")
        return B2ApiError(400, "auth_token_limit", f"more than one upload using auth token {token}")
    if isinstance(exc, Conflict):
        return B2ApiError(409, "conflict", message)
    if isinstance(exc, DisablingFileLockNotSupported):
        return B2ApiError(400, "file_lock_conflict", message)
    if isinstance(exc, SourceReplicationConflict):
        return B2ApiError(400, "source_replication_conflict", message)
    if isinstance(exc, BadJson):
        return B2ApiError(400, "bad_json", message)
    if isinstance(exc, BadRequest):
        return B2ApiError(400, exc.code if exc.code == "bad_request" else "bad_request", message)
    if isinstance(
        exc,
        InvalidMetadataDirective
        | WrongEncryptionModeForBucketDefault
        | WrongEncryptionSettingForFileWrite
        | ValueError
        | TypeError
        | AssertionError,
    ):
        return B2ApiError(400, "bad_request", message or type(exc).__name__)
    if isinstance(exc, KeyError):
        return B2ApiError(404, "not_found", f"not found: {message}")
    return B2ApiError(500, "internal_error", f"{type(exc).__name__}: {message}")
