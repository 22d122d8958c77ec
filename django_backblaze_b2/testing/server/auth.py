"""Tokens as B2 checks them: account tokens (with an expiry), upload URLs' tokens and download
authorizations (``b2_get_download_authorization``), and who may download from a private bucket."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

from .errors import B2ApiError

DAY = 24 * 60 * 60


def new_token(kind: str) -> str:
    """An opaque token, in the spirit of B2's ``4_0025...acct`` ones."""
    return f"4_{secrets.token_hex(16)}_{kind}"


@dataclass
class UploadTarget:
    """What an upload URL's token lets its holder do: upload to one bucket or one large file."""

    token: str
    kind: str  # "file" (b2_upload_file) or "part" (b2_upload_part)
    target_id: str  # bucket id or large file id
    key_id: str  # the application key whose account token asked for it
    expires_at: float


@dataclass
class DownloadAuthorization:
    token: str
    bucket_id: str
    prefix: str
    expires_at: float


class TokenStore:
    """Every token the server handed out, with its expiry; thread-safe.

    The simulator maps account tokens to keys (``auth_token_to_key``); this adds what B2 adds:
    tokens expire (after ``token_ttl`` seconds, 24 hours by default, or all at once when a test
    says so), upload URLs have their own tokens, and download authorizations exist.
    """

    def __init__(self, simulator: Any, token_ttl: float = DAY) -> None:
        self.simulator = simulator
        self.token_ttl = token_ttl
        self._lock = threading.Lock()
        self.account_expiry: dict[str, float] = {}
        self.uploads: dict[str, UploadTarget] = {}
        self.downloads: dict[str, DownloadAuthorization] = {}
        self._uploading: set[str] = set()
        self._changed: set[str] = set()

    # account tokens

    def add_account_token(self, token: str) -> None:
        with self._lock:
            self.account_expiry[token] = time.time() + self.token_ttl
            self._changed.add(token)

    def account_key(self, token: str | None) -> Any:
        """The simulator's key behind a valid account token; B2's 401 answers otherwise."""
        if not token:
            raise B2ApiError(401, "bad_auth_token", "Missing Authorization header")
        key = self.simulator.auth_token_to_key.get(token)
        if key is None:
            raise B2ApiError(401, "bad_auth_token", "Invalid authorization token")
        if token in self.simulator.expired_auth_tokens or self.account_expiry.get(token, 0.0) < time.time():
            raise B2ApiError(401, "expired_auth_token", "Authorization token has expired")
        if self.simulator.key_id_to_key.get(key.application_key_id) is not key:
            raise B2ApiError(401, "bad_auth_token", "Invalid authorization token: the key was deleted")
        expiration = key.expiration_timestamp_or_none
        if expiration is not None and expiration < time.time():
            raise B2ApiError(401, "bad_auth_token", "Invalid authorization token: the key has expired")
        return key

    # upload URLs

    def add_upload(self, kind: str, target_id: str, key_id: str) -> UploadTarget:
        target = UploadTarget(new_token("upld"), kind, target_id, key_id, time.time() + self.token_ttl)
        with self._lock:
            self.uploads[target.token] = target
            self._changed.add(target.token)
        return target

    def upload_target(self, token: str | None, kind: str, target_id: str) -> UploadTarget:
        target = self.uploads.get(token or "")
        if target is None or target.kind != kind or target.target_id != target_id:
            raise B2ApiError(401, "bad_auth_token", "Invalid upload authorization token")
        if target.expires_at < time.time():
            raise B2ApiError(401, "expired_auth_token", "Upload authorization token has expired")
        return target

    def begin_upload(self, token: str) -> None:
        """B2 refuses two uploads at once through one upload URL."""
        with self._lock:
            if token in self._uploading:
                raise B2ApiError(400, "auth_token_limit", f"more than one upload using auth token {token}")
            self._uploading.add(token)

    def end_upload(self, token: str) -> None:
        with self._lock:
            self._uploading.discard(token)

    # download authorizations

    def add_download_authorization(self, bucket_id: str, prefix: str, valid_seconds: int) -> DownloadAuthorization:
        authorization = DownloadAuthorization(new_token("dnld"), bucket_id, prefix, time.time() + valid_seconds)
        with self._lock:
            self.downloads[authorization.token] = authorization
            self._changed.add(authorization.token)
        return authorization

    def check_download(self, bucket: Any, file_name: str, token: str | None) -> None:
        """Whether ``token`` may download ``file_name`` from ``bucket``, as B2 decides it."""
        if bucket.bucket_type == "allPublic":
            # An account token that has expired is refused even here, so b2sdk re-authorizes.
            if token and token in self.simulator.auth_token_to_key:
                self.account_key(token)
            return
        if not token:
            raise B2ApiError(401, "unauthorized", "Authorization is required to download from a private bucket")
        authorization = self.downloads.get(token)
        if authorization is not None:
            if authorization.expires_at < time.time():
                raise B2ApiError(401, "expired_auth_token", "Download authorization token has expired")
            if authorization.bucket_id != bucket.bucket_id or not file_name.startswith(authorization.prefix):
                raise B2ApiError(401, "unauthorized", "Download authorization does not cover this file")
            return
        key = self.account_key(token)
        if "readFiles" not in key.capabilities:
            raise B2ApiError(401, "unauthorized", "The key may not read files")
        restricted_to = getattr(key, "bucket_id_or_none", None)
        if restricted_to is not None and restricted_to != bucket.bucket_id:
            raise B2ApiError(401, "unauthorized", "The key is restricted to another bucket")
        prefix = key.name_prefix_or_none
        if prefix is not None and not file_name.startswith(prefix):
            raise B2ApiError(401, "unauthorized", "The key is restricted to another name prefix")

    def expire_all(self) -> None:
        with self._lock:
            for token in self.account_expiry:
                self.account_expiry[token] = 0.0
            for target in self.uploads.values():
                target.expires_at = 0.0
            for authorization in self.downloads.values():
                authorization.expires_at = 0.0
            self._changed |= set(self.account_expiry) | set(self.uploads) | set(self.downloads)

    # persistence

    def take_changes(self, simulator: Any) -> dict[str, dict[str, Any] | None]:
        """The stored form of every token changed since the last call (None: forget it)."""
        with self._lock:
            changed, self._changed = self._changed, set()
            rows: dict[str, dict[str, Any] | None] = {}
            for token in changed:
                if token in self.uploads:
                    rows[token] = {"kind": "upload", **asdict(self.uploads[token])}
                elif token in self.downloads:
                    rows[token] = {"kind": "download", **asdict(self.downloads[token])}
                elif token in self.account_expiry and token in simulator.auth_token_to_key:
                    rows[token] = {
                        "kind": "account",
                        "token": token,
                        "key_id": simulator.auth_token_to_key[token].application_key_id,
                        "expires_at": self.account_expiry[token],
                    }
                else:
                    rows[token] = None
            return rows

    def load_rows(self, simulator: Any, rows: list[dict[str, Any]]) -> list[str]:
        """Take the stored tokens; the ones of no more use (expired a day ago, or their key is gone).
        A token expired more recently is kept, so its holder is told it expired rather than unknown."""
        now = time.time() - DAY
        stale = []
        with self._lock:
            for row in rows:
                kind = row.pop("kind")
                if row["expires_at"] <= now or (kind == "account" and row["key_id"] not in simulator.key_id_to_key):
                    stale.append(row["token"])
                elif kind == "account":
                    simulator.auth_token_to_key[row["token"]] = simulator.key_id_to_key[row["key_id"]]
                    self.account_expiry[row["token"]] = float(row["expires_at"])
                elif kind == "upload":
                    self.uploads[row["token"]] = UploadTarget(**row)
                elif kind == "download":
                    self.downloads[row["token"]] = DownloadAuthorization(**row)
        return stale
