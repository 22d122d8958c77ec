from django.contrib import admin

from django_backblaze_b2.direct_uploads import DirectUploadAdminMixin

from .forms import LargeUploadForm
from .models import DataExport, LargeUpload, LoggedInFile, PrivateDocument, PublicFile, StaffFile

for model in (PrivateDocument, PublicFile, LoggedInFile, StaffFile):
    admin.site.register(model, list_display=("file", "uploaded_by", "uploaded_at"))


@admin.register(DataExport)
class DataExportAdmin(admin.ModelAdmin[DataExport]):
    list_display = ("owner", "status", "size", "requested_at", "expires_at")
    readonly_fields = ("file", "size", "requested_at", "ready_at")


@admin.register(LargeUpload)
class LargeUploadAdmin(DirectUploadAdminMixin, admin.ModelAdmin[LargeUpload]):
    """The admin's form uploads straight to B2 too."""

    form = LargeUploadForm
    list_display = ("file", "uploaded_by", "uploaded_at")
    fields = ("file", "uploaded_by")
