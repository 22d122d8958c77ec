"""CORS as B2 applies it (https://www.backblaze.com/docs/cloud-storage-cross-origin-resource-sharing-rules).

Downloads and uploads follow the ``corsRules`` of the file's bucket: a rule applies to a request when
the request's ``Origin`` matches one of its ``allowedOrigins`` (``*``, or a pattern with at most one
``*``), its operation is in ``allowedOperations`` and (for a preflight) every header the browser
asks for matches one of ``allowedHeaders``. The first rule that applies answers; none answering
means a preflight is refused (403) and a request gets no ``Access-Control-*`` headers. The other
native API calls (``b2_start_large_file``, ``b2_get_upload_part_url``, ...) are not governed by
bucket rules: B2 answers them for any origin, and so does this server.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from .errors import bad_request

# The B2 native API operations a CORS rule can name, with the HTTP methods they use.
NATIVE_OPERATIONS: dict[str, tuple[str, ...]] = {
    "b2_download_file_by_name": ("GET", "HEAD"),
    "b2_download_file_by_id": ("GET", "HEAD"),
    "b2_upload_file": ("POST",),
    "b2_upload_part": ("POST",),
}
S3_OPERATIONS = frozenset({"s3_delete", "s3_get", "s3_head", "s3_post", "s3_put"})
# B2's native API paths: /b2api/VERSION/CALL, and the upload URLs /b2api/VERSION/CALL/OWNER/...
API_PATH = re.compile(r"^/b2api/(v\d+)/(b2_[a-z_]+)(?:/(.*))?$")
MAX_RULES = 100
MAX_RULE_BYTES = 1000
MAX_AGE_SECONDS = 86_400
RULE_NAME = re.compile(r"^[A-Za-z0-9-]{6,50}$")
# The JSON API's answer to every origin (bucket rules do not govern it).
API_ALLOWED_HEADERS = "Authorization, Content-Type"
API_METHODS = "GET, POST, OPTIONS"
API_MAX_AGE = "86400"


def target(request_path: str) -> tuple[str, dict[str, str]] | None:
    """The CORS operation of a request's URL and where its bucket is: ``("b2_upload_part",
    {"file_id": ...})``; ``("", {})`` for the JSON API (any origin); None for anything else."""
    url = urlsplit(request_path)
    if url.path.startswith("/file/"):
        return "b2_download_file_by_name", {"bucket_name": unquote(url.path.removeprefix("/file/").partition("/")[0])}
    match = API_PATH.match(url.path)
    if match is None:
        return None
    _version, api_name, rest = match.groups()
    if api_name == "b2_download_file_by_id" and rest is None:
        return api_name, {"file_id": dict(parse_qsl(url.query)).get("fileId", "")}
    if api_name in ("b2_upload_file", "b2_upload_part") and rest:
        owner = rest.split("/", 1)[0]
        return api_name, {"bucket_id": owner} if api_name == "b2_upload_file" else {"file_id": owner}
    return ("", {}) if rest is None else None


def validate_rules(rules: Any) -> list[dict[str, Any]]:
    """``corsRules`` as ``b2_create_bucket``/``b2_update_bucket`` accept them; 400 otherwise."""
    if not isinstance(rules, list):
        raise bad_request("corsRules must be a list")
    if len(rules) > MAX_RULES:
        raise bad_request(f"A bucket has at most {MAX_RULES} CORS rules")
    for rule in rules:
        if not isinstance(rule, dict):
            raise bad_request("Each CORS rule must be an object")
        name = rule.get("corsRuleName")
        if not isinstance(name, str) or not RULE_NAME.match(name) or name.lower().startswith("b2-"):
            raise bad_request(f"Invalid corsRuleName {name!r}: 6 to 50 letters, digits and '-', not starting 'b2-'")
        origins = _strings(rule, "allowedOrigins", required=True)
        for origin in origins:
            if not origin or origin.count("*") > 1:
                raise bad_request(f"Invalid allowedOrigins entry {origin!r} (at most one '*')")
        operations = _strings(rule, "allowedOperations", required=True)
        unknown = set(operations) - set(NATIVE_OPERATIONS) - S3_OPERATIONS
        if unknown:
            raise bad_request(f"Unknown allowedOperations: {', '.join(sorted(unknown))}")
        _strings(rule, "allowedHeaders")
        exposed = _strings(rule, "exposeHeaders")
        if any("*" in header for header in exposed):
            raise bad_request("exposeHeaders may not contain wildcards")
        max_age = rule.get("maxAgeSeconds")
        if not isinstance(max_age, int) or isinstance(max_age, bool) or not 0 <= max_age <= MAX_AGE_SECONDS:
            raise bad_request(f"maxAgeSeconds must be an integer from 0 to {MAX_AGE_SECONDS}")
        size = sum(len(s.encode()) for s in [name, *origins, *operations, *_strings(rule, "allowedHeaders"), *exposed])
        if size >= MAX_RULE_BYTES:
            raise bad_request(f"CORS rule {name!r} is too long (must be under {MAX_RULE_BYTES} bytes)")
    return rules


def _strings(rule: Mapping[str, Any], field: str, *, required: bool = False) -> list[str]:
    value = rule.get(field)
    if value is None and not required:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or (required and not value):
        raise bad_request(f"CORS rule field {field} must be a {'non-empty ' if required else ''}list of strings")
    return value


def origin_matches(pattern: str, origin: str) -> bool:
    if pattern == "*":
        return True
    # "https://*.example.com": the one wildcard stands for any run of characters.
    return fnmatchcase(origin.lower(), pattern.lower().replace("[", "[[]"))


def header_matches(patterns: Iterable[str], header: str) -> bool:
    return any(fnmatchcase(header.lower(), p.lower().replace("[", "[[]")) for p in patterns)


@dataclass(frozen=True)
class CorsAnswer:
    """The ``Access-Control-*`` headers a request gets (empty: no rule applies)."""

    headers: dict[str, str]

    @property
    def allowed(self) -> bool:
        return bool(self.headers)


def _rule_for(
    rules: Sequence[Mapping[str, Any]], origin: str, operation: str, requested_headers: Sequence[str]
) -> Mapping[str, Any] | None:
    for rule in rules:
        if operation not in rule.get("allowedOperations", ()):
            continue
        if not any(origin_matches(p, origin) for p in rule.get("allowedOrigins", ())):
            continue
        allowed_headers = rule.get("allowedHeaders") or ()
        if all(header_matches(allowed_headers, h) for h in requested_headers):
            return rule
    return None


def requested_headers(value: str | None) -> list[str]:
    return [h.strip() for h in (value or "").split(",") if h.strip()]


def preflight(
    rules: Sequence[Mapping[str, Any]], operation: str, origin: str, method: str, headers: Sequence[str]
) -> CorsAnswer:
    """The answer to ``OPTIONS`` with ``Access-Control-Request-Method``/``-Headers``."""
    if method.upper() not in NATIVE_OPERATIONS.get(operation, ()):
        return CorsAnswer({})
    rule = _rule_for(rules, origin, operation, headers)
    if rule is None:
        return CorsAnswer({})
    answer = {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": ", ".join(NATIVE_OPERATIONS[operation]),
        "Access-Control-Max-Age": str(rule.get("maxAgeSeconds", 0)),
        "Vary": "Origin",
    }
    if headers:
        answer["Access-Control-Allow-Headers"] = ", ".join(headers)
    return CorsAnswer(answer)


def actual(rules: Sequence[Mapping[str, Any]], operation: str, origin: str) -> CorsAnswer:
    """The headers of a cross-origin GET/HEAD/POST (its headers were approved by the preflight)."""
    for rule in rules:
        if operation in rule.get("allowedOperations", ()) and any(
            origin_matches(p, origin) for p in rule.get("allowedOrigins", ())
        ):
            answer = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
            if rule.get("exposeHeaders"):
                answer["Access-Control-Expose-Headers"] = ", ".join(rule["exposeHeaders"])
            return CorsAnswer(answer)
    return CorsAnswer({})


def api_preflight(origin: str, headers: Sequence[str]) -> CorsAnswer:
    answer = {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": API_METHODS,
        "Access-Control-Allow-Headers": ", ".join(headers) if headers else API_ALLOWED_HEADERS,
        "Access-Control-Max-Age": API_MAX_AGE,
        "Vary": "Origin",
    }
    return CorsAnswer(answer)


def api_actual(origin: str) -> CorsAnswer:
    return CorsAnswer({"Access-Control-Allow-Origin": origin, "Vary": "Origin"})
