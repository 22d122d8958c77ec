"""The sample's pages: the four storages, owner-only downloads and "export my data"."""

from __future__ import annotations

import posixpath
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tasks import task_backends

from django_backblaze_b2 import BackblazeB2Storage
from django_backblaze_b2.direct_uploads.incoming import reachable_by_browsers, upload_origins

from . import tasks
from .conf import b2_description
from .demo import DEMO_USERS
from .forms import LargeUploadForm, UploadForm
from .models import DataExport, LargeUpload, PrivateDocument
from .shelves import SHELVES, shelf


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    export = None
    if request.user.is_authenticated:
        export = DataExport.objects.filter(owner=request.user).first()
    return render(
        request,
        "showcase/home.html",
        {
            "demo_users": DEMO_USERS,
            "shelves": [(s, s.files().count()) for s in SHELVES],
            "b2_description": b2_description(),
            # default_task_backend is a lazy proxy: name the backend it stands for.
            "tasks_backend": type(task_backends["default"]).__name__,
            "export": export,
            "export_is_live": export is not None and export.expires_at > timezone.now(),
        },
    )


@require_http_methods(["GET", "POST"])
def shelf_page(request: HttpRequest, slug: str) -> HttpResponse:
    current = shelf(slug)
    form = UploadForm()
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            stored = current.files().create(uploaded_by=request.user, file=form.cleaned_data["file"])
            messages.success(request, f"Uploaded {stored.file.name} to {current.storage_class}.")
            return redirect("shelf", slug=slug)
    files = list(current.files().select_related("uploaded_by")[:50])
    # The owner-only view sends attachments without Range support: videos play from url() routes only.
    videos = [] if current.owner_only else [stored for stored in files if stored.is_video]
    context = {"shelf": current, "shelves": SHELVES, "files": files, "videos": videos, "form": form}
    return render(request, "showcase/shelf.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def large_uploads(request: HttpRequest) -> HttpResponse:
    """Files of any size, sent by the browser straight to B2 in parallel parts (direct uploads)."""
    form = LargeUploadForm(request=request)
    if request.method == "POST":
        form = LargeUploadForm(request.POST, request.FILES, request=request)
        if form.is_valid():
            upload = form.save(commit=False)
            upload.uploaded_by = request.user
            upload.save()
            messages.success(request, f"Saved {upload.file.name} ({upload.file.size} bytes).")
            return redirect("large-uploads")
    uploads = LargeUpload.objects.filter(uploaded_by=request.user)[:50]
    storage = LargeUpload().file.storage
    assert isinstance(storage, BackblazeB2Storage)
    embedded = not reachable_by_browsers(storage)
    context = {"form": form, "uploads": uploads, "embedded_b2": embedded, "b2_description": b2_description()}
    response = render(request, "showcase/large_uploads.html", context)
    # The widget needs no inline script and no eval: only its own origin and B2's for the parts.
    response["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"connect-src 'self' {' '.join(upload_origins(storage))}"
    )
    return response


@require_GET
@login_required
def private_download(request: HttpRequest, pk: int) -> FileResponse:
    """The per-object rule: a private document is downloadable by the user who uploaded it, and
    anyone else gets 404, which does not even tell them the document exists."""
    document = get_object_or_404(PrivateDocument, pk=pk, uploaded_by=request.user)
    return _attachment(document.file.open("rb"), str(document.file.name))


@require_POST
@login_required
def request_export(request: HttpRequest) -> HttpResponse:
    try:
        export = tasks.request_export(cast(User, request.user))
    except tasks.ExportInProgressError:
        messages.warning(request, "Your previous export is still being prepared: this page shows when it is ready.")
        return redirect("home")
    export.refresh_from_db()
    if export.status == DataExport.READY:
        messages.success(request, "Your export is ready: download it below.")
    elif export.status == DataExport.FAILED:
        messages.error(request, "Your export failed; please try again later.")
    else:
        messages.info(request, "Your export is being prepared: this page shows when it is ready.")
    return redirect("home")


@require_GET
@login_required
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    export = get_object_or_404(
        DataExport, pk=pk, owner=request.user, status=DataExport.READY, expires_at__gt=timezone.now()
    )
    filename = f"{request.user.get_username()}-export-{export.ready_at:%Y%m%d-%H%M%S}.zip"
    return _attachment(export.file.open("rb"), filename)


def _attachment(file: object, name: str) -> FileResponse:
    # Attachment: an uploaded HTML or SVG file must not run as a page of this site.
    return FileResponse(file, as_attachment=True, filename=posixpath.basename(name))
