"""Representation headers of the pure HTTP layer: type, disposition, active content, caching."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_backblaze_b2.http import (
    DEFAULT_PUBLIC_CACHE_CONTROL,
    PASSIVE_INLINE_TYPES,
    PRIVATE_CACHE_CONTROL,
    SANDBOX_CSP,
    Representation,
    content_disposition,
    decide,
    is_passive,
    normalize_content_type,
)
from django_backblaze_b2.http.headers import parse_content_type

# What a header value may contain (RFC 9110 §5.5): visible ASCII, space and tab, no CR/LF/NUL.
HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")


def headers_for(name: str, content_type: str | None = None, **kwargs: object) -> dict[str, str]:
    return decide("GET", {}, Representation(name, 10, content_type), **kwargs).headers  # type: ignore[arg-type]


def parsed_filename(header: str) -> str | None:
    """The name a browser takes (RFC 6266 §4.3: ``filename*`` wins over ``filename``)."""
    extended = re.search(r"filename\*=UTF-8''([^;]*)", header)
    if extended:
        return unquote(extended[1], errors="strict")
    plain = re.search(r'filename="([^"]*)"', header)
    return plain[1] if plain else None


class TestContentDisposition:
    def test_inline_by_default(self) -> None:
        assert content_disposition("docs/report.pdf", as_attachment=False) == 'inline; filename="report.pdf"'

    def test_attachment_on_request(self) -> None:
        assert content_disposition("report.pdf", as_attachment=True) == 'attachment; filename="report.pdf"'
        assert headers_for("a.pdf", "application/pdf", as_attachment=True)["Content-Disposition"].startswith(
            "attachment;"
        )

    def test_non_ascii_gets_fallback_and_rfc5987(self) -> None:
        header = content_disposition("dossier/Résumé été.pdf", as_attachment=False)
        assert header == "inline; filename=\"Resume ete.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%C3%A9t%C3%A9.pdf"
        assert parsed_filename(header) == "Résumé été.pdf"

    def test_non_latin_fallback(self) -> None:
        header = content_disposition("отчёт.pdf", as_attachment=True)
        assert header.startswith('attachment; filename="')
        assert parsed_filename(header) == "отчёт.pdf"

    @pytest.mark.parametrize(
        "name", ['say "hi".txt', "back\\slash.txt", "semi;colon.txt", "new\nline.txt", "nul\x00.txt", "tab\t.txt"]
    )
    def test_hostile_names_cannot_break_the_header(self, name: str) -> None:
        header = content_disposition(name, as_attachment=False)
        assert HEADER_VALUE.fullmatch(header)
        # The quoted fallback has no quote or backslash inside it.
        fallback = re.fullmatch(r'inline; filename="([^"\\]*)"(; filename\*=UTF-8\'\'[A-Za-z0-9%._~-]+)?', header)
        assert fallback, header

    def test_empty_base_name(self) -> None:
        assert content_disposition("", as_attachment=True) == "attachment"
        assert content_disposition("\n", as_attachment=False) == "inline"

    @settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.text(min_size=1, max_size=80))
    def test_any_name_gives_a_valid_header(self, name: str) -> None:
        header = content_disposition(name, as_attachment=True)
        assert HEADER_VALUE.fullmatch(header)
        assert header.startswith("attachment")


class TestActiveContent:
    @pytest.mark.parametrize(
        "content_type",
        [
            "text/html",
            "text/html; charset=utf-8",
            "TEXT/HTML",
            "application/xhtml+xml",
            "image/svg+xml",
            "text/xml",
            "application/xml",
            "application/rss+xml",
            "text/javascript",
            "application/javascript",
            "application/ecmascript",
            "multipart/x-mixed-replace; boundary=x",
            "application/x-shockwave-flash",
            "text/xsl",
            "application/octet-stream",
            "something/unknown",
        ],
    )
    def test_forced_to_attachment_and_sandboxed(self, content_type: str) -> None:
        headers = headers_for("upload.bin", content_type)
        assert not is_passive(content_type)
        assert headers["Content-Disposition"].startswith("attachment;")
        assert headers["Content-Security-Policy"] == SANDBOX_CSP
        assert headers["X-Content-Type-Options"] == "nosniff"
        # Sent in the library's own canonical form, never the stored string passed through.
        assert headers["Content-Type"] == parse_content_type(content_type)

    @pytest.mark.parametrize(
        "content_type",
        ["image/png", "image/jpeg", "video/mp4", "audio/mpeg", "text/plain", "application/pdf", "application/json"],
    )
    def test_passive_types_inline_without_sandbox(self, content_type: str) -> None:
        headers = headers_for("upload", content_type)
        assert is_passive(content_type)
        assert headers["Content-Disposition"].startswith("inline;")
        assert "Content-Security-Policy" not in headers
        assert headers["X-Content-Type-Options"] == "nosniff"

    def test_html_name_with_unset_type_is_still_attachment(self) -> None:
        headers = headers_for("evil.html", "b2/x-auto")
        assert headers["Content-Type"] == "text/html"
        assert headers["Content-Disposition"].startswith("attachment;")

    def test_nosniff_on_every_status(self) -> None:
        meta = Representation("f", 10, etag='"a"')
        for method, headers in [("POST", {}), ("GET", {"If-Match": '"b"'}), ("GET", {"Range": "bytes=99-"})]:
            assert decide(method, headers, meta).headers["X-Content-Type-Options"] == "nosniff"


class TestContentType:
    @pytest.mark.parametrize(
        ("stored", "name", "expected"),
        [
            ("image/png", "a.jpg", "image/png"),  # what B2 stored wins over the name
            ("text/plain; charset=utf-8", "a", "text/plain; charset=utf-8"),
            ("b2/x-auto", "a.jpg", "image/jpeg"),
            (None, "a.pdf", "application/pdf"),
            ("", "dir.v2/a", "application/octet-stream"),
            ("text/html\r\nSet-Cookie: x=1", "a.txt", "application/octet-stream"),
            ("nonsense", "a.bin", "application/octet-stream"),
            ("image/png, text/html", "a.png", "application/octet-stream"),
            ("IMAGE/PNG", "a", "image/png"),
        ],
    )
    def test_normalize(self, stored: str | None, name: str, expected: str) -> None:
        assert normalize_content_type(stored, name) == expected


class TestCacheControl:
    def test_default_public(self) -> None:
        assert headers_for("a.png", "image/png")["Cache-Control"] == DEFAULT_PUBLIC_CACHE_CONTROL

    def test_file_own_cache_control(self) -> None:
        meta = Representation("a.png", 1, "image/png", cache_control="max-age=31536000, immutable")
        assert decide("GET", {}, meta).headers["Cache-Control"] == "max-age=31536000, immutable"

    def test_private_wins(self) -> None:
        meta = Representation("a.png", 1, "image/png", cache_control="public, max-age=60")
        headers = decide("GET", {}, meta, cache_control=PRIVATE_CACHE_CONTROL).headers
        assert headers["Cache-Control"] == PRIVATE_CACHE_CONTROL

    def test_stored_encoding_and_language_pass_through(self) -> None:
        meta = Representation("a.txt.gz", 1, "text/plain", content_encoding="gzip", content_language="fr")
        headers = decide("GET", {}, meta).headers
        assert headers["Content-Encoding"] == "gzip"
        assert headers["Content-Language"] == "fr"


class TestStrictContentType:
    """A stored type a browser could read as something else is never passed through (stored XSS)."""

    @pytest.mark.parametrize(
        "disguised",
        [
            "image/png, text/html",
            "video/mp4, text/html",
            "IMAGE/PNG , TEXT/HTML",
            "image/png,text/html",
            "image/png;,text/html",
            'image/png; x="a,text/html"',
            "image/png text/html",
            "image/png\ttext/html",
            "image/png/html",
            'image/png; x="unterminated',
            "image/png\x00",
            "image/pn\u0261",
            "text/plain\r\n\r\n<script>",
            "/png",
            "image/",
        ],
    )
    def test_disguised_types_are_octet_stream_attachments(self, disguised: str) -> None:
        assert parse_content_type(disguised) is None
        headers = headers_for("photo.png", disguised)
        assert headers["Content-Type"] == "application/octet-stream"
        assert headers["Content-Disposition"].startswith("attachment")
        assert headers["Content-Security-Policy"] == SANDBOX_CSP

    @pytest.mark.parametrize(
        ("value", "canonical"),
        [
            ("Text/Plain; Charset=UTF-8", "text/plain; charset=utf-8"),
            ('text/csv;charset="utf-8"', "text/csv; charset=utf-8"),
            ("text/plain; format=flowed; charset=us-ascii", "text/plain; charset=us-ascii"),
            ("image/png; charset=utf-8", "image/png"),  # charset means nothing outside text/*
            ("application/json; foo=bar", "application/json"),
            ("  image/webp ; ", "image/webp"),
        ],
    )
    def test_canonical_form(self, value: str, canonical: str) -> None:
        assert parse_content_type(value) == canonical

    @settings(deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.one_of(
            st.text(max_size=60),
            st.lists(
                st.sampled_from(
                    [
                        "image/png",
                        "text/html",
                        "video/mp4",
                        "TEXT/PLAIN",
                        "image/svg+xml",
                        ",",
                        ";",
                        " ",
                        "\t",
                        '"',
                        "=",
                        "charset",
                        "utf-8",
                        "\r\n",
                        "\x00",
                        "é",
                        "/",
                        "x",
                    ]
                ),
                max_size=8,
            ).map("".join),
        ),
        st.sampled_from(["a.png", "a.html", "a.svg", "a", "a.txt"]),
    )
    def test_every_inline_response_has_exactly_one_passive_type(self, stored: str, name: str) -> None:
        headers = headers_for(name, stored)
        content_type = headers["Content-Type"]
        assert HEADER_VALUE.fullmatch(content_type)
        assert "," not in content_type
        assert parse_content_type(content_type) == content_type  # the library's own canonical form
        if headers["Content-Disposition"].startswith("inline"):
            assert is_passive(content_type)
            assert content_type.split(";")[0] in PASSIVE_INLINE_TYPES
            assert "Content-Security-Policy" not in headers
        else:
            assert headers["Content-Disposition"].startswith("attachment")
