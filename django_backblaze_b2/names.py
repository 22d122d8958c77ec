"""File names: Django's names to B2 file names and back, with B2's naming rules and traversal checks.

Pure functions, no I/O. Django's ``Storage.save()`` validates names, but ``open``, ``exists``,
``delete``, ``size`` and ``url`` do not, so every storage method passes its name through here.
"""

from __future__ import annotations

import os
import posixpath
import unicodedata
from typing import Any

from django.core.exceptions import SuspiciousFileOperation

# Backblaze documents file names of up to 1024 UTF-8 bytes, at most 250 per segment (the part between
# slashes). b2sdk refuses names over 1000 bytes before it calls B2 (validate_b2_file_name, used by
# uploads of streams and by copies), so 1000 is the limit every method of this library can keep.
MAX_FILE_NAME_BYTES = 1000
MAX_SEGMENT_BYTES = 250


def as_text(name: Any) -> str:
    """A Django name as a string: ``pathlib`` paths are accepted, as Django's own storages accept them."""
    if isinstance(name, os.PathLike):
        name = os.fspath(name)
    if not isinstance(name, str):
        raise SuspiciousFileOperation(f"File names must be strings or pathlib paths, not {type(name).__name__}.")
    return name


def clean_name(name: str | os.PathLike[str], *, allow_root: bool = False) -> str:
    """Return ``name`` as it will be stored, or raise ``SuspiciousFileOperation`` naming the rule broken.

    ``allow_root`` accepts ``""`` (the storage's root), for ``exists``/``listdir``.
    """
    name = as_text(name)
    if name in ("", "."):
        if allow_root:
            return ""
        raise SuspiciousFileOperation("A file name cannot be empty.")
    if "\\" in name:
        raise SuspiciousFileOperation("File names cannot contain backslashes ('\\'): B2 does not allow them.")
    if any(unicodedata.category(char) == "Cc" for char in name):
        raise SuspiciousFileOperation("File names cannot contain control characters (such as newlines or NUL).")
    if name.startswith("/"):
        raise SuspiciousFileOperation("File names must be relative: an absolute path such as '/etc/passwd' is refused.")
    parts = name.split("/")
    if ".." in parts:
        raise SuspiciousFileOperation("File names cannot contain '..' (path traversal).")
    stripped = name.rstrip("/") if allow_root else name
    if stripped.endswith("/"):
        raise SuspiciousFileOperation("File names cannot end with '/'.")
    if "//" in stripped:
        raise SuspiciousFileOperation("File names cannot contain '//' (an empty folder name).")
    if any(part == "." for part in stripped.split("/")):
        raise SuspiciousFileOperation("File names cannot contain '.' as a folder name.")
    if any(len(part.encode()) > MAX_SEGMENT_BYTES for part in parts):
        raise SuspiciousFileOperation(
            f"Each '/'-separated part of a file name can be at most {MAX_SEGMENT_BYTES} UTF-8 bytes."
        )
    return stripped


def clean_location(location: str) -> str:
    """A storage's location without its outer slashes, or ``ValueError`` naming the rule it breaks.

    A location is the first part of B2 file names, so it keeps the rules of names (:func:`clean_name`).
    """
    stripped = location.strip("/")
    if not stripped:
        return ""
    try:
        return clean_name(stripped)
    except SuspiciousFileOperation as error:
        raise ValueError(str(error)) from None


def to_file_name(location: str, name: str | os.PathLike[str], *, allow_root: bool = False) -> str:
    """The B2 file name for a Django name under ``location``."""
    cleaned = clean_name(name, allow_root=allow_root)
    file_name = posixpath.join(location, cleaned) if location else cleaned
    if allow_root:
        file_name = file_name.rstrip("/")
    if len(file_name.encode()) > MAX_FILE_NAME_BYTES:
        raise SuspiciousFileOperation(
            f"File name is {len(file_name.encode())} UTF-8 bytes long with its location prefix; "
            f"B2 allows {MAX_FILE_NAME_BYTES}."
        )
    return file_name


def folder_prefix(location: str, path: str | os.PathLike[str]) -> str:
    """The B2 file name prefix listing a folder: ``""`` for the bucket root, else ``"folder/"``."""
    file_name = to_file_name(location, path, allow_root=True)
    return f"{file_name}/" if file_name else ""


def from_file_name(location: str, file_name: str) -> str:
    """The Django name for a B2 file name that lives under ``location``."""
    if not location:
        return file_name
    prefix = f"{location}/"
    if not file_name.startswith(prefix):
        raise ValueError(f"B2 file name is outside the storage's location {location!r}.")
    return file_name[len(prefix) :]
