"""B2's naming rules and traversal, checked before any B2 call."""

from __future__ import annotations

import pytest
from django.core.exceptions import SuspiciousFileOperation
from hypothesis import given
from hypothesis import strategies as st

from django_backblaze_b2 import BackblazeB2Storage, names


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("", "empty"),
        ("/abs.txt", "absolute"),
        ("../up.txt", r"\.\."),
        ("a/../../b", r"\.\."),
        ("a\\b.txt", "backslash"),
        ("a//b.txt", "//"),
        ("dir/", "end with '/'"),
        ("a/./b", "'.'"),
        ("line\nbreak.txt", "control"),
        ("nul\x00.txt", "control"),
        ("x" * 251, "250"),
    ],
)
def test_bad_names_name_the_rule(name: str, rule: str) -> None:
    with pytest.raises(SuspiciousFileOperation, match=rule):
        names.to_file_name("", name)


def test_whole_key_limit_counts_utf8_bytes_and_location() -> None:
    name = "/".join(["é" * 100] * 5)  # 1004 UTF-8 bytes
    with pytest.raises(SuspiciousFileOperation, match="1000"):
        names.to_file_name("", name)
    ok = "/".join(["a" * 200] * 4) + "/" + "b" * 195  # 999 bytes
    assert names.to_file_name("", ok) == ok
    with pytest.raises(SuspiciousFileOperation, match="location prefix"):
        names.to_file_name("media", ok)


def test_root_and_folders() -> None:
    assert names.to_file_name("", "", allow_root=True) == ""
    assert names.to_file_name("media", "", allow_root=True) == "media"
    assert names.folder_prefix("media", "") == "media/"
    assert names.folder_prefix("", "a/b/") == "a/b/"
    assert names.from_file_name("media", "media/a.txt") == "a.txt"
    with pytest.raises(ValueError, match="outside"):
        names.from_file_name("media", "other/a.txt")


@given(st.text(min_size=1, max_size=60))
def test_any_accepted_name_stays_inside_its_location(name: str) -> None:
    try:
        key = names.to_file_name("tenant", name)
    except SuspiciousFileOperation:
        return
    assert key.startswith("tenant/")
    assert ".." not in key.split("/")
    assert "//" not in key and "\\" not in key
    assert names.from_file_name("tenant", key) == name


def test_location_prefixes_every_key(b2: object) -> None:
    from django.core.files.base import ContentFile

    storage = BackblazeB2Storage(location="/tenant-a/media/")
    storage.save("doc.txt", ContentFile(b"x"))
    assert storage.listdir("") == ([], ["doc.txt"])
    assert storage.url("doc.txt").split("?")[0].endswith("/file/django/tenant-a/media/doc.txt")
    other = BackblazeB2Storage(location="tenant-b")
    assert not other.exists("doc.txt")
    assert BackblazeB2Storage().exists("tenant-a/media/doc.txt")
