"""Offload mode: a :class:`~.responder.Decision` handed to nginx, which fetches the bytes from B2 itself.

The view answers with no body and ``X-Accel-Redirect: <location>``; nginx then serves the request
from that ``internal`` location, which proxies the B2 download URL given in ``X-B2-Url`` with the
file-scoped token given in ``X-B2-Authorization``, asking for exactly ``X-B2-Range`` when the
decision is a 206. No Django worker waits for the transfer.

nginx keeps only a few of the view's headers across an ``X-Accel-Redirect`` (:data:`KEPT_HEADERS`,
plus Expires and Set-Cookie) and would add B2's own (``x-bz-*``, B2's Content-Type, ETag,
Cache-Control...). The location from :func:`nginx_location` therefore hides B2's version of every
header the view sets, and adds back the ones nginx dropped (:data:`CARRIED_HEADERS`, copied into
variables before B2 answers), so the browser gets exactly the headers the proxy views send when they
stream. Only B2's Content-Length, Content-Range and status go through.

``X-Sendfile`` (Apache's mod_xsendfile, lighttpd) names a file on the web server's disk, so it cannot
serve a file from B2; only nginx's ``X-Accel-Redirect`` can hand over to a remote upstream.
"""

from __future__ import annotations

from django.http import HttpResponse

from .responder import Decision

ACCEL_REDIRECT = "X-Accel-Redirect"
URL_HEADER = "X-B2-Url"
AUTHORIZATION_HEADER = "X-B2-Authorization"
RANGE_HEADER = "X-B2-Range"
#: Headers of the view's answer that nginx itself keeps across the ``X-Accel-Redirect``.
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Cache-Control", "Accept-Ranges")
#: Headers of the view's answer that nginx drops there, so the location adds them back.
CARRIED_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "ETag",
    "Last-Modified",
    "Content-Encoding",
    "Content-Language",
)
#: B2's answer headers that never reach the browser: B2's own, and the file info the library stores
#: (the access mark, ``access.MARK_KEY``). Stock nginx cannot hide headers by prefix: other
#: ``X-Bz-Info-*`` names are the site's to list (see docs/proxy-views.md).
B2_HEADERS = (
    "x-bz-file-name",
    "x-bz-file-id",
    "x-bz-content-sha1",
    "x-bz-content-md5",
    "x-bz-info-django-b2-route",
    "x-bz-info-large_file_sha1",
    "x-bz-info-src_last_modified_millis",
    "x-bz-upload-timestamp",
    "x-bz-server-side-encryption",
    "x-bz-content-md5",
    # File info this library and b2sdk write themselves (the access mark, b2sdk's own fields).
    "x-bz-info-django-b2-route",
    "x-bz-info-src_last_modified_millis",
    "x-bz-info-large_file_sha1",
    "Expires",
)
#: How long the token handed to nginx lives: nginx sends it at once, so short is enough; tokens are
#: reused for a tenth of that (see ``expiring_links.reuse_window``), so a popular file costs one
#: ``b2_get_download_authorization`` per 30 seconds.
TOKEN_SECONDS = 300


def validated_location(value: object) -> str:
    """The ``proxy_offload`` option: an nginx ``internal`` location's path, such as ``/_b2/``."""
    if not isinstance(value, str):
        raise ValueError(f"must be the path of an nginx internal location such as '/_b2/', not {type(value).__name__}")
    if (
        not value.startswith("/")
        or value.startswith("//")
        or any(c in value for c in "?#%\\ \t")
        or not value.isprintable()
    ):
        raise ValueError(
            f"must be the path of an nginx internal location such as '/_b2/' (starting with one '/', with no "
            f"spaces, '?', '#', '%' or backslashes), not {value!r}"
        )
    return value


def offload_response(decision: Decision, location: str, url: str, authorization: str) -> HttpResponse:
    """The view's answer for nginx: the decision's status and headers, no body, and where to fetch it."""
    assert decision.body_range is not None
    response = HttpResponse(status=decision.status)
    for header, value in decision.headers.items():
        if header not in ("Content-Length", "Content-Range"):  # B2's answer carries the true ones
            response[header] = value
    response[ACCEL_REDIRECT] = location
    response[URL_HEADER] = url
    response[AUTHORIZATION_HEADER] = authorization
    if decision.status == 206:
        response[RANGE_HEADER] = f"bytes={decision.body_range.start}-{decision.body_range.last}"
    return response


def _variable(header: str) -> str:
    return "b2_" + header.lower().replace("-", "_")


def nginx_location(
    location: str = "/_b2/",
    *,
    resolver: str = "127.0.0.53",
    trusted_certificate: str = "/etc/ssl/certs/ca-certificates.crt",
) -> str:
    """The nginx ``location`` block serving offloaded downloads (paste it into your ``server``).

    ``resolver``: a DNS server nginx asks for B2's download host; ``trusted_certificate``: the CA
    bundle that B2's certificate is checked against (Debian's path by default).
    """
    lines = [
        f"location {location} {{",
        "    internal;",
        "    # Where the view said, as the view said: nothing of the browser's request goes to B2.",
        f"    set $b2_url $upstream_http_{URL_HEADER.lower().replace('-', '_')};",
        f"    set $b2_authorization $upstream_http_{AUTHORIZATION_HEADER.lower().replace('-', '_')};",
        f"    set $b2_range $upstream_http_{RANGE_HEADER.lower().replace('-', '_')};",
    ]
    lines += [
        f"    set ${_variable(header)} $upstream_http_{header.lower().replace('-', '_')};" for header in CARRIED_HEADERS
    ]
    lines += [
        "    proxy_pass_request_headers off;",
        "    proxy_pass_request_body off;",
        "    proxy_set_header Authorization $b2_authorization;",
        "    proxy_set_header Range $b2_range;  # empty: not sent",
        "    proxy_http_version 1.1;",
        '    proxy_set_header Connection "";',
        "    proxy_ssl_server_name on;",
        "    proxy_ssl_verify on;",
        f"    proxy_ssl_trusted_certificate {trusted_certificate};",
        f"    resolver {resolver};  # the download host is in $b2_url: nginx resolves it at run time",
        "    proxy_buffering off;  # pass bytes on as they come, no temporary files",
        "    proxy_buffer_size 256k;  # in pieces of this size (the default, a page, costs CPU)",
        "    proxy_buffers 4 256k;  # (nginx wants these at least as big; unused without buffering)",
        "    # The view's headers, not B2's.",
    ]
    lines += [f"    proxy_hide_header {header};" for header in (*KEPT_HEADERS, *CARRIED_HEADERS, *B2_HEADERS)]
    lines += [f"    add_header {header} ${_variable(header)} always;" for header in CARRIED_HEADERS]
    lines += ["    proxy_pass $b2_url;", "}"]
    return "\n".join(lines) + "\n"
