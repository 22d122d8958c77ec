"""The proxy download views: ``/b2/`` (anyone), ``/b2l/`` (logged-in users), ``/b2s/`` (staff).

Thin on purpose: resolve the route's storage, check who is asking, let :mod:`.http` decide the status
and headers, stream the bytes. Each route has one storage instance per process.

B2 calls per request, on a warm process: a plain GET costs one download (its metadata comes with it);
a HEAD or a conditional GET (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since) costs
one metadata call, plus one download only when a body is sent; a Range GET costs one download, plus a
metadata call when the file's size was not learnt in the last minute. Bytes go out as they arrive from
B2, in chunks of :attr:`DownloadView.chunk_size`: through a sync iterator under WSGI, an async one
under ASGI, so nothing is buffered.

With the ``proxy_redirect_expiry`` option a permitted request is answered with a 302 to a short-lived
direct B2 link instead (see ``docs/expiring-links-encryption-metadata.md``); with ``proxy_offload`` a
permitted GET is handed to nginx, which downloads the body from B2 itself (see ``http.offload``).

Finer permissions: set ``BACKBLAZE_CONFIG["download_permission"]`` to the dotted path of a callable
``(request, storage, name) -> bool``, or subclass :class:`DownloadView` and override
:meth:`DownloadView.has_permission`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, ClassVar

from b2sdk.v2.exception import (
    B2ConnectionError,
    B2Error,
    B2RequestTimeout,
    MaxRetriesExceeded,
    ServiceError,
    TooManyRequests,
)
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.utils.module_loading import import_string
from django.views.decorators.clickjacking import xframe_options_sameorigin

from .. import access, downloads, http
from ..metadata import FileMetadata
from ..storage import BackblazeB2Storage
from . import routes
from .storages import LoggedInStorage, PublicStorage, StaffStorage

logger = logging.getLogger("django_backblaze_b2")

PermissionHook = Callable[[HttpRequest, BackblazeB2Storage, str], bool]

# B2 did not answer, or asked us to slow down: worth retrying later.
_UNAVAILABLE = (B2ConnectionError, B2RequestTimeout, MaxRetriesExceeded, ServiceError, TooManyRequests, OSError)
_FALSE = frozenset({"0", "false", "no", "off"})  # "?download" alone means yes


# -- one storage per route per process -------------------------------------------------------------

_storages: dict[type[BackblazeB2Storage], BackblazeB2Storage] = {}
_hooks: dict[str, PermissionHook] = {}
_lock = threading.Lock()


def route_storage(storage_class: type[BackblazeB2Storage]) -> BackblazeB2Storage:
    """The process's storage instance for a route (built on first use, rebuilt when settings change)."""
    try:
        return _storages[storage_class]
    except KeyError:
        pass
    with _lock:
        if storage_class not in _storages:
            _storages[storage_class] = storage_class()
        return _storages[storage_class]


def reset_storages() -> None:
    """Forget the per-process storages and permission hook (settings changed)."""
    with _lock:
        _storages.clear()
        _hooks.clear()


def _permission_hook(path: str) -> PermissionHook:
    try:
        return _hooks[path]
    except KeyError:
        pass
    hook = import_string(path)
    if not callable(hook):
        raise ImproperlyConfigured(f"BACKBLAZE_CONFIG['download_permission'] ({path!r}) is not callable.")
    _hooks[path] = hook
    return hook  # type: ignore[no-any-return]


# -- canned responses ------------------------------------------------------------------------------


def _text(status: int, text: str) -> HttpResponse:
    response = HttpResponse(text.encode(), status=status, content_type="text/plain; charset=utf-8")
    response["X-Content-Type-Options"] = "nosniff"
    return response


def redirect_to(link: str) -> HttpResponse:
    """A 302 to a short-lived B2 link: never cached anywhere (the link is for this user, and
    expires), and never passed on as a Referer (it carries a token)."""
    response = HttpResponseRedirect(link)
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def not_found() -> HttpResponse:
    # Never echo the requested name: the body is the same for every missing or refused file.
    return _text(404, "Not found\n")


def forbidden() -> HttpResponse:
    return _text(403, "Forbidden\n")


def bad_gateway() -> HttpResponse:
    return _text(502, "The file store gave an unexpected answer.\n")


def unavailable() -> HttpResponse:
    response = _text(503, "The file store is unavailable; try again shortly.\n")
    response["Retry-After"] = "5"
    return response


# -- the view --------------------------------------------------------------------------------------


def refused_reason(route: str | None, metadata: FileMetadata) -> str | None:
    """Why ``route`` must not serve this file (its access mark), or None when it may."""
    if route is None:
        return None  # a custom view over a storage of no route: its permission check decides
    unmarked_allowed = routes.shared_places.serves_unmarked(route, metadata.file_name)
    if access.allows(route, metadata.file_info, unmarked_allowed=unmarked_allowed):
        return None
    mark = access.marked_route(metadata.file_info)
    if mark is None:
        return "it has no access mark and a more privileged storage shares its place (run manage.py b2_mark_files)"
    return f"it is marked for the {mark} route"


def representation(metadata: FileMetadata, name: str) -> http.Representation:
    """What the HTTP layer needs, from what B2 stores."""
    return http.Representation(
        name=name,
        size=metadata.size,
        content_type=metadata.content_type,
        # Large files have no whole-file SHA-1 unless the uploader stored one in large_file_sha1.
        etag=http.make_etag(metadata.content_sha1 or metadata.file_info.get("large_file_sha1"), metadata.file_id),
        last_modified=metadata.uploaded_at,
        cache_control=metadata.cache_control,
        content_encoding=metadata.content_encoding,
        content_language=metadata.content_language,
    )


class DownloadView:
    """Serves files of :attr:`storage_class` to the users :meth:`check_user` lets through.

    Subclass to change who may download what (:meth:`has_permission`), caching
    (:attr:`cache_control`) or the storage; use ``MyView.as_view()`` in a URL pattern.
    """

    storage_class: ClassVar[type[BackblazeB2Storage]] = PublicStorage
    login_required: ClassVar[bool] = False
    staff_required: ClassVar[bool] = False
    #: None: the file's own stored Cache-Control, else ``http.DEFAULT_PUBLIC_CACHE_CONTROL``.
    cache_control: ClassVar[str | None] = None
    chunk_size: ClassVar[int] = http.DEFAULT_CHUNK_SIZE
    #: Under ASGI, how far a stream's reader thread may read ahead of what was sent (see :mod:`.http.streaming`).
    read_ahead: ClassVar[int] = http.DEFAULT_READ_AHEAD

    @classmethod
    def as_view(cls) -> Callable[[HttpRequest, str], HttpResponseBase]:
        view = cls()

        @xframe_options_sameorigin
        def download(request: HttpRequest, filename: str) -> HttpResponseBase:
            return view(request, filename)

        download.__doc__ = cls.__doc__
        return download

    @property
    def route(self) -> str | None:
        return routes.route_of(self.storage_class)

    def get_storage(self) -> BackblazeB2Storage:
        return route_storage(self.storage_class)

    def __call__(self, request: HttpRequest, filename: str) -> HttpResponseBase:
        if request.method not in http.ALLOWED_METHODS:
            return self.respond(request, http.method_not_allowed())
        denied = self.check_user(request)
        if denied is not None:
            return denied
        try:
            storage = self.get_storage()
            storage.b2_file_name(filename)  # a name B2 cannot hold answers 404, before any B2 call
            if not self.has_permission(request, storage, filename):
                return self.deny(request)
            return self.serve(request, storage, filename)
        except (FileNotFoundError, SuspiciousFileOperation):
            return not_found()
        except (downloads.StaleMetadataError, *_UNAVAILABLE):
            logger.exception("django-backblaze-b2: B2 unavailable while serving %r", filename)
            return unavailable()
        except (B2Error, ImproperlyConfigured):
            logger.exception("django-backblaze-b2: B2 error while serving %r", filename)
            return bad_gateway()
        except Exception:
            logger.exception("django-backblaze-b2: unexpected error while serving %r", filename)
            return bad_gateway()

    # -- who may download ------------------------------------------------------------------------

    def check_user(self, request: HttpRequest) -> HttpResponseBase | None:
        """A redirect to the login page or a 403 when the route's user rule is not met, else None."""
        if not self.login_required:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.login_redirect(request)
        if not user.is_active or (self.staff_required and not user.is_staff):
            return forbidden()
        return None

    def has_permission(self, request: HttpRequest, storage: BackblazeB2Storage, name: str) -> bool:
        """Whether ``request`` may download ``name``: asks ``BACKBLAZE_CONFIG["download_permission"]``."""
        path = storage.options.download_permission
        if not path:
            return True
        return bool(_permission_hook(path)(request, storage, name))

    def deny(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.login_redirect(request)
        return forbidden()

    def login_redirect(self, request: HttpRequest) -> HttpResponseBase:
        from django.contrib.auth.views import redirect_to_login

        # ``next`` is this request's own path (always "/..."), so it cannot point off-site.
        return redirect_to_login(request.get_full_path())

    # -- serving ---------------------------------------------------------------------------------

    def get_cache_control(self, storage: BackblazeB2Storage) -> str | None:
        """:attr:`cache_control`; ``private`` too when a permission hook may tell users apart."""
        if self.cache_control is None and storage.options.download_permission:
            return http.PRIVATE_CACHE_CONTROL
        return self.cache_control

    def decide(self, request: HttpRequest, storage: BackblazeB2Storage, meta: http.Representation) -> http.Decision:
        download = request.GET.get("download")
        as_attachment = download is not None and download.lower() not in _FALSE
        return http.decide(
            request.method or "GET",
            request.headers,
            meta,
            as_attachment=as_attachment,
            cache_control=self.get_cache_control(storage),
        )

    def checked_representation(self, metadata: FileMetadata, name: str) -> http.Representation:
        """The file's HTTP metadata, once its access mark allows this route; else ``FileNotFoundError``
        (the same 404 as a missing file, so a refusal tells nothing)."""
        reason = refused_reason(self.route, metadata)
        if reason is not None:
            logger.warning(
                "django-backblaze-b2: refused %r through the %s route: %s", metadata.file_name, self.route, reason
            )
            raise FileNotFoundError(name)
        return representation(metadata, name)

    def serve(self, request: HttpRequest, storage: BackblazeB2Storage, name: str) -> HttpResponseBase:
        """Checks the file's access mark, then redirects (``proxy_redirect_expiry``), hands the body to
        the web server (``proxy_offload``) or streams."""
        seconds = storage.options.proxy_redirect_expiry
        if seconds is not None:
            # A fresh HEAD, not the memo: the link must be for the version whose mark was checked.
            metadata = storage.get_file_metadata(name)
            self.checked_representation(metadata, name)
            if self.may_redirect(storage, metadata):
                return redirect_to(storage.expiring_url(name, seconds, scope="file"))

        offload = storage.options.proxy_offload
        if offload is not None and request.method == "GET" and not self.shares_place(storage.b2_file_name(name)):
            # nginx fetches by name after this check: where a more private storage could write that
            # name meanwhile, the route streams (its download is checked version and all) instead.
            return self.offload(request, storage, name, offload)
        fetched = downloads.fetch(
            storage,
            name,
            request.method or "GET",
            request.headers,
            lambda metadata: self.decide(request, storage, self.checked_representation(metadata, name)),
        )
        return self.respond(request, fetched.decision, fetched.downloaded, name)

    def shares_place(self, b2_file_name: str) -> bool:
        """Whether a more private storage could write this B2 file name where this route reads it."""
        route = self.route
        return route is not None and routes.shared_places.shared(route, b2_file_name)

    def may_redirect(self, storage: BackblazeB2Storage, metadata: FileMetadata) -> bool:
        """Whether a link may stand for this file. B2 authorizations are name prefixes, good for the
        link's whole life: where a more private storage shares the route's place, it could write this
        name (or a longer one) meanwhile, so the route streams instead. Where a permission hook tells
        files apart, a name another file's name extends (``passport`` / ``passport_AbCdEf1``) is
        streamed too, at the price of one listing (class C) per redirect.
        """
        if self.shares_place(metadata.file_name):
            return False
        hooked = storage.options.download_permission or type(self).has_permission is not DownloadView.has_permission
        return not hooked or not storage.names_extending(metadata.file_name)

    def offload(self, request: HttpRequest, storage: BackblazeB2Storage, name: str, location: str) -> HttpResponseBase:
        """Offload mode (the ``proxy_offload`` option): nginx downloads the body from B2 (see ``http.offload``).

        The metadata is asked afresh: nginx fetches the newest version by name, and the headers
        decided here must describe that version. A 304, 412 or 416 is answered here.
        """
        decision = self.decide(request, storage, self.checked_representation(storage.get_file_metadata(name), name))
        if decision.body_range is None:
            return self.respond(request, decision)
        # A token for this exact file name only; nginx sends it to B2 and never to the browser.
        token = storage.download_authorization(name, http.OFFLOAD_TOKEN_SECONDS)
        return http.offload_response(decision, location, storage.b2_url(name), token)

    def respond(
        self, request: HttpRequest, decision: http.Decision, downloaded: Any = None, name: str = ""
    ) -> HttpResponseBase:
        """A Django response for a decision, streaming ``downloaded`` (a b2sdk download) when it has a body."""
        if downloaded is not None and decision.body_range is not None and request.method == "GET":
            return http.body_response(
                decision,
                downloaded.response,
                asynchronous=isinstance(request, ASGIRequest),
                chunk_size=self.chunk_size,
                name=name,
                read_ahead=self.read_ahead,
            )
        if downloaded is not None:
            downloaded.response.close()
        return http.plain_response(decision)


class PublicDownloadView(DownloadView):
    """Anyone may download (the ``/b2/`` route)."""

    storage_class = PublicStorage


class LoggedInDownloadView(DownloadView):
    """Active logged-in users may download (the ``/b2l/`` route); browsers may cache privately."""

    storage_class = LoggedInStorage
    login_required = True
    cache_control = http.PRIVATE_CACHE_CONTROL


class StaffDownloadView(DownloadView):
    """Active staff users may download (the ``/b2s/`` route); browsers may cache privately."""

    storage_class = StaffStorage
    login_required = True
    staff_required = True
    cache_control = http.PRIVATE_CACHE_CONTROL


download_public_file = PublicDownloadView.as_view()
download_logged_in_file = LoggedInDownloadView.as_view()
download_staff_file = StaffDownloadView.as_view()

#: The view serving each route of the route table.
ROUTE_VIEWS = {"public": download_public_file, "logged_in": download_logged_in_file, "staff": download_staff_file}
