"""Server-side encryption: the ``server_side_encryption`` option and the b2sdk settings it becomes.

Two modes, both done by B2 itself:

- ``{"mode": "SSE-B2"}``: B2 encrypts with keys it manages. Nothing changes for readers.
- ``{"mode": "SSE-C", "key": ..., "key_id": "..."}``: B2 encrypts with a 256-bit key you hold. B2 does
  not keep the key, so every write, read, range read and copy sends it; lose it and the files are lost.

The key never leaves process memory through this library: it is kept out of ``repr``, of error
messages, of migrations (``SECRET_OPTIONS``), of caches and of URLs, which is also why an SSE-C
storage cannot hand out links (a link cannot carry the key).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from b2sdk.v2 import SSE_B2_AES, EncryptionAlgorithm, EncryptionKey, EncryptionMode, EncryptionSetting
from b2sdk.v2.exception import SSECKeyError
from django.core.exceptions import ImproperlyConfigured

from . import redaction

KEY_BYTES = 32  # AES-256, the only algorithm B2 offers
OPTION = "server_side_encryption"


class EncryptionKeyError(ImproperlyConfigured):
    """B2 refused to decrypt a file: it is SSE-C encrypted and the configured key is missing or another one.

    A configuration error, not an ``OSError``: code that treats I/O errors as "try again later" or
    "missing" must not hide it.
    """


@dataclass(frozen=True)
class ServerSideEncryption:
    """The validated ``server_side_encryption`` option. ``repr`` never shows the key."""

    mode: Literal["SSE-B2", "SSE-C"]
    key_id: str | None = None
    key: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        redaction.remember(self.key)

    @property
    def customer_key(self) -> bool:
        return self.mode == "SSE-C"

    def for_write(self) -> EncryptionSetting:
        """What uploads and copy destinations are encrypted with."""
        if self.key is None:
            return SSE_B2_AES
        return EncryptionSetting(EncryptionMode.SSE_C, EncryptionAlgorithm.AES256, EncryptionKey(self.key, self.key_id))

    def for_read(self) -> EncryptionSetting | None:
        """What downloads, range reads and copy sources send: the key for SSE-C, nothing for SSE-B2
        (B2 decrypts its own keys transparently)."""
        return self.for_write() if self.key is not None else None


def parse(value: Any) -> ServerSideEncryption | None:
    """Validate the option. Messages say what is wrong but never echo the key."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ImproperlyConfigured(
            f"django-backblaze-b2 option {OPTION!r} must be a dict such as {{'mode': 'SSE-B2'}} or "
            "{'mode': 'SSE-C', 'key_id': '...', 'key': ...}, or None for the bucket's default."
        )
    unknown = sorted(str(k) for k in value if k not in ("mode", "key", "key_id"))
    if unknown:
        raise ImproperlyConfigured(
            f"django-backblaze-b2 option {OPTION!r} has unknown key(s) {unknown}: use 'mode', 'key' and 'key_id'."
        )
    mode = str(value.get("mode", "")).upper()
    if mode == "SSE-B2":
        if value.get("key") is not None or value.get("key_id") is not None:
            raise ImproperlyConfigured(
                f"django-backblaze-b2 option {OPTION!r}: mode 'SSE-B2' uses keys managed by B2; "
                "remove 'key' and 'key_id', or use mode 'SSE-C' to bring your own key."
            )
        return ServerSideEncryption("SSE-B2")
    if mode == "SSE-C":
        key_id = value.get("key_id")
        if key_id is not None and (not isinstance(key_id, str) or not key_id):
            raise ImproperlyConfigured(
                f"django-backblaze-b2 option {OPTION!r}: 'key_id' must be a non-empty string naming the key "
                "(it is stored with each file as 'sse_c_key_id', so never put the key itself there)."
            )
        return ServerSideEncryption("SSE-C", key_id=key_id, key=_key_bytes(value.get("key")))
    raise ImproperlyConfigured(
        f"django-backblaze-b2 option {OPTION!r} needs 'mode': 'SSE-B2' (keys managed by B2) or 'SSE-C' (your own key)."
    )


def _key_bytes(key: Any) -> bytes:
    where = f"django-backblaze-b2 option {OPTION!r}"
    if key is None or key == "" or key == b"":
        raise ImproperlyConfigured(
            f"{where}: mode 'SSE-C' needs 'key', the {KEY_BYTES}-byte AES-256 key as bytes or as a base64 string "
            "(for example read from an environment variable; generate one with "
            '`python -c "import base64, os; print(base64.b64encode(os.urandom(32)).decode())"`).'
        )
    if isinstance(key, str):
        try:
            key = base64.b64decode(key.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured(
                f"{where}: 'key' is a string but not valid base64. Give the {KEY_BYTES}-byte key as bytes, "
                "or base64-encode it."
            ) from None
    if not isinstance(key, bytes | bytearray):
        raise ImproperlyConfigured(f"{where}: 'key' must be bytes or a base64 string, not {type(key).__name__}.")
    if len(key) != KEY_BYTES:
        raise ImproperlyConfigured(
            f"{where}: 'key' must be exactly {KEY_BYTES} bytes (256 bits) for AES-256, not {len(key)} bytes."
        )
    return bytes(key)


@contextmanager
def decryption_errors(name: str, encryption: ServerSideEncryption | None) -> Iterator[None]:
    """Turn b2sdk's ``SSECKeyError`` into an :class:`EncryptionKeyError` that says what to do."""
    try:
        yield
    except SSECKeyError:
        if encryption is not None and encryption.customer_key:
            label = f" (key id {encryption.key_id!r})" if encryption.key_id else ""
            advice = (
                f"the configured key{label} is not the one it was written with. Set "
                f"BACKBLAZE_CONFIG[{OPTION!r}]['key'] to the key it was uploaded with (B2 records the key id "
                "in the file's info as 'sse_c_key_id')"
            )
        else:
            advice = (
                f"this storage has no customer key. Set BACKBLAZE_CONFIG[{OPTION!r}] = "
                "{'mode': 'SSE-C', 'key_id': ..., 'key': ...} with the key it was uploaded with"
            )
        raise EncryptionKeyError(
            f"B2 cannot decrypt {name!r}: it is encrypted with a customer-provided key (SSE-C) and {advice}."
        ) from None
