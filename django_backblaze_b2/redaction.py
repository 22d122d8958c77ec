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
# Application keys and their Basic credentials are few (one per account) and never forgotten; SSE-C
# keys and account tokens can be many (a key per tenant, a token a day), so the oldest of those go.
_pinned: set[str] = set()
_recent: dict[str, None] = {}  # insertion-ordered


def _forms(value: str | bytes) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [base64.b64encode(value).decode(), repr(value)[2:-1], value.hex()]


def remember(value: str | bytes | None, *, pinned: bool = False) -> None:
    """Remember a secret (and its other forms) so that :func:`contains_secret` finds it."""
    if not value:
        return
    forms = [form for form in _forms(value) if len(form) >= MIN_LENGTH]
    with _lock:
        if pinned:
            _pinned.update(forms)
            return
        for form in forms:
            _recent.pop(form, None)
            _recent[form] = None
        while len(_recent) > MAX_REMEMBERED:
            del _recent[next(iter(_recent))]


def remember_application_key(key_id: str, key: str) -> None:
    """An application key, and the HTTP Basic credentials ``b2_authorize_account`` sends with it."""
    remember(key, pinned=True)
    remember(base64.b64encode(f"{key_id}:{key}".encode()).decode(), pinned=True)


def contains_secret(text: str) -> bool:
    with _lock:
        secrets = [*_pinned, *_recent]
    return any(secret in text for secret in secrets)
