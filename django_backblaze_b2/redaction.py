"""The secret values this process holds (application keys, SSE-C keys), so reports can hide them.

Filled when options are validated; kept in process memory only, never written anywhere. Each secret
is remembered in the forms it travels in: as given, and for keys given as bytes, base64 (the
``X-Bz-Server-Side-Encryption-Customer-Key`` header), hex and the text of their ``repr``.
"""

from __future__ import annotations

import base64
import threading

# Shorter values would match by accident (and no B2 key is this short).
MIN_LENGTH = 8
MAX_REMEMBERED = 256

_lock = threading.Lock()
_secrets: dict[str, None] = {}  # insertion-ordered: the oldest are forgotten first


def remember(value: str | bytes | None) -> None:
    """Remember a secret (and its other forms) so that :func:`contains_secret` finds it."""
    if not value:
        return
    forms = [value] if isinstance(value, str) else [base64.b64encode(value).decode(), repr(value)[2:-1], value.hex()]
    with _lock:
        for form in forms:
            if len(form) >= MIN_LENGTH:
                _secrets[form] = None
        while len(_secrets) > MAX_REMEMBERED:
            del _secrets[next(iter(_secrets))]


def contains_secret(text: str) -> bool:
    with _lock:
        secrets = list(_secrets)
    return any(secret in text for secret in secrets)
