from django.contrib import admin

from .models import DataExport, LoggedInFile, PrivateDocument, PublicFile, StaffFile

for model in (PrivateDocument, PublicFile, LoggedInFile, StaffFile):
    admin.site.register(model, list_display=("file", "uploaded_by", "uploaded_at"))


@admin.register(DataExport)
class DataExportAdmin(admin.ModelAdmin[DataExport]):
    list_display = ("owner", "status", "size", "requested_at", "expires_at")
    readonly_fields = ("file", "size", "requested_at", "ready_at")
