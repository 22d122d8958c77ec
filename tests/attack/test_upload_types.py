"""What an upload's ``content_type`` attribute can be, as other code sets it: the stored type must be
a normalized one, and a value that is not a string a clear error (or ignored), never a TypeError
from inside the parser."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile

from django_backblaze_b2.storages import PublicStorage


class Weird:
    def __repr__(self) -> str:
        return "Weird()"

    def __str__(self) -> str:
        return "text/html"


@pytest.mark.parametrize("value", [b"text/html", 42, Weird(), ["image/png", "text/html"]], ids=repr)
def test_a_non_string_content_type_is_not_a_crash(value: Any) -> None:
    content = ContentFile(b"<script>alert(1)</script>", name="page.bin")
    content.content_type = value  # type: ignore[attr-defined]
    try:
        name = PublicStorage().save("page.bin", content)
    except (ValueError, TypeError) as error:
        assert "content_type" in str(error) or "Content-Type" in str(error), f"unclear error: {error!r}"
        return
    stored = PublicStorage().get_file_metadata(name).content_type
    assert stored in ("application/octet-stream", "b2/x-auto"), stored


@pytest.mark.parametrize(
    "value",
    ["image/png, text/html", "image/png\r\nX: y", "text/html", "image/png;\ttext/html", "image/svg+xml", "IMAGE/PNG"],
)
def test_hostile_types_are_never_stored_as_given(value: str) -> None:
    content = ContentFile(b"x", name="a.png")
    content.content_type = value  # type: ignore[attr-defined]
    name = PublicStorage().save("a.png", content)
    metadata = PublicStorage().get_file_metadata(name)
    assert metadata.content_type in ("image/png", "text/html", "image/svg+xml"), metadata.content_type
    if metadata.content_type != "image/png":
        assert (metadata.content_disposition or "").startswith("attachment")
