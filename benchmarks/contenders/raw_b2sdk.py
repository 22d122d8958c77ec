"""b2sdk used directly, the way its documentation shows, with b2sdk's defaults: the baseline.

One ``B2Api`` per process; uploads from a file on disk with ``upload_local_file`` (the rest with
``upload_bytes``); reads stream the download response. Its ``/b2l/`` route is the shortest
streaming proxy view one would write by hand (it passes a ``bytes=a-b`` Range on to B2).
"""

from __future__ import annotations

import re
from typing import IO, Any

from b2sdk.v2 import AuthInfoCache, InMemoryAccountInfo
from b2sdk.v2.exception import FileNotPresent
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.urls import path

from . import Contender, NotApplicable

CHUNK = 1024 * 1024
_bucket: Any = None  # the proxy view's bucket, set when the contender starts


class RawB2sdk(Contender):
    name = "raw-b2sdk"
    urlconf = "benchmarks.contenders.raw_b2sdk"
    installed_apps = ()
    renames_taken_names = False

    def start(self) -> None:
        global _bucket
        info = InMemoryAccountInfo()
        self.api = self.endpoint.new_api(info, cache=AuthInfoCache(info))
        self.api.authorize_account(self.endpoint.realm, self.endpoint.key_id, self.endpoint.key)
        self.bucket = _bucket = self.api.get_bucket_by_name(self.endpoint.bucket)

    def save(self, name: str, content: Any) -> str:
        temporary_file_path = getattr(content, "temporary_file_path", None)
        if temporary_file_path is not None:
            self.bucket.upload_local_file(temporary_file_path(), name)
        else:
            self.bucket.upload_bytes(content.read(), name)
        return name

    def open(self, name: str) -> IO[bytes]:
        return _ResponseReader(self.bucket.download_file_by_name(name).response)  # type: ignore[return-value]

    def exists(self, name: str) -> bool:
        try:
            self.bucket.get_file_info_by_name(name)
        except FileNotPresent:
            return False
        return True

    def size(self, name: str) -> int:
        return int(self.bucket.get_file_info_by_name(name).size)

    def delete(self, name: str) -> None:
        version = self.bucket.get_file_info_by_name(name)
        self.bucket.delete_file_version(version.id_, name)

    def url(self, storage_class: str, name: str) -> str:
        if storage_class not in ("BackblazeB2Storage", "PublicStorage"):
            raise NotApplicable("b2sdk has no proxied URLs")
        return str(self.api.get_download_url_for_file_name(self.endpoint.bucket, name))

    def expiring_links(self, names: list[str], seconds: int) -> list[str]:
        # One authorization per file, so each link opens only its own file.
        links = []
        for name in names:
            token = self.bucket.get_download_authorization(name, seconds)
            links.append(f"{self.api.get_download_url_for_file_name(self.endpoint.bucket, name)}?Authorization={token}")
        return links


class _ResponseReader:
    """``read(n)`` over a streaming download response."""

    def __init__(self, response: Any) -> None:
        self._response = response

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            return b"".join(self._response.iter_content(CHUNK))
        return bytes(self._response.raw.read(size))

    def close(self) -> None:
        self._response.close()


def proxy(request: HttpRequest, filename: str) -> StreamingHttpResponse:
    match = re.fullmatch(r"bytes=(\d+)-(\d+)", request.headers.get("Range", ""))
    range_ = (int(match.group(1)), int(match.group(2))) if match else None
    try:
        downloaded = _bucket.download_file_by_name(filename, range_=range_)
    except FileNotPresent:
        raise Http404(filename) from None
    response = StreamingHttpResponse(
        downloaded.response.iter_content(CHUNK),
        status=206 if range_ else 200,
        content_type=downloaded.download_version.content_type,
    )
    response["Content-Length"] = str(downloaded.download_version.content_length)
    return response


urlpatterns = [path("b2l/<path:filename>", proxy)]
