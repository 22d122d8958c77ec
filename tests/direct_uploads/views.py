from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse

from .forms import FORMS


def form_page(request: HttpRequest, kind: str) -> HttpResponse:
    """GET: the form's HTML; POST: save it, answering JSON with the saved name or the errors."""
    form_class = FORMS[kind]
    if request.method != "POST":
        return HttpResponse(str(form_class(request=request)))
    form = form_class(request.POST, request.FILES, request=request)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    upload = form.save(commit=False)
    upload.uploaded_by = request.user
    upload.save()
    return JsonResponse({"pk": upload.pk, "name": upload.file.name})
