"""The HTTP side of the proxy views, apart from Django's views and from B2.

Pure functions and value objects: give :func:`decide` the request method and headers and a
:class:`Representation`, and it answers with a :class:`Decision` (status, headers, byte range to stream).
:mod:`.streaming` turns a decision into a Django response that streams a download's bytes.
"""

from .conditional import evaluate_preconditions, if_range_allows, make_etag, strong_match, weak_match
from .headers import (
    PASSIVE_INLINE_TYPES,
    SANDBOX_CSP,
    content_disposition,
    is_passive,
    normalize_content_type,
)
from .offload import TOKEN_SECONDS as OFFLOAD_TOKEN_SECONDS
from .offload import nginx_location, offload_response
from .ranges import UNSATISFIABLE, ByteRange, Unsatisfiable, parse_range_header, select_range
from .responder import (
    ALLOW_HEADER,
    ALLOWED_METHODS,
    DEFAULT_PUBLIC_CACHE_CONTROL,
    NOT_MODIFIED_HEADERS,
    PRIVATE_CACHE_CONTROL,
    Decision,
    Representation,
    decide,
    method_not_allowed,
)
from .streaming import (
    DEFAULT_CHUNK_SIZE,
    DEFAULT_READ_AHEAD,
    AsyncBody,
    IncompleteDownloadError,
    SyncBody,
    body_response,
    plain_response,
    read_whole,
    streaming_response,
)

__all__ = [
    "ALLOWED_METHODS",
    "ALLOW_HEADER",
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_PUBLIC_CACHE_CONTROL",
    "DEFAULT_READ_AHEAD",
    "NOT_MODIFIED_HEADERS",
    "OFFLOAD_TOKEN_SECONDS",
    "PASSIVE_INLINE_TYPES",
    "PRIVATE_CACHE_CONTROL",
    "SANDBOX_CSP",
    "UNSATISFIABLE",
    "AsyncBody",
    "ByteRange",
    "Decision",
    "IncompleteDownloadError",
    "Representation",
    "SyncBody",
    "Unsatisfiable",
    "body_response",
    "content_disposition",
    "decide",
    "evaluate_preconditions",
    "if_range_allows",
    "is_passive",
    "make_etag",
    "method_not_allowed",
    "nginx_location",
    "normalize_content_type",
    "offload_response",
    "parse_range_header",
    "plain_response",
    "read_whole",
    "select_range",
    "streaming_response",
    "strong_match",
    "weak_match",
]
