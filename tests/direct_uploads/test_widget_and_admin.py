"""What the form renders (no inline script, the ticket) and the admin's form."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.admin.sites import AdminSite
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from django_backblaze_b2.direct_uploads import DirectUploadField
from django_backblaze_b2.testing import SimulatedB2
from showcase.admin import LargeUploadAdmin
from showcase.models import LargeUpload

from .conftest import Browser, data_of
from .forms import UploadForm


def test_the_widget_renders_no_script_and_a_fallback_file_input() -> None:
    page = str(UploadForm())
    assert "<script" not in page
    assert re.search(r'<input type="file" name="file"[^>]*required', page)
    assert 'name="file__b2_upload"' in page
    assert 'data-b2-field="showcase.LargeUpload.file"' in page  # what resumable uploads are kept under
    assert 'data-b2-begin="/b2-uploads/begin"' in page
    assert UploadForm().media.render_js() == ['<script src="/static/django_backblaze_b2/direct-upload.js"></script>']


def test_without_the_views_the_field_is_a_plain_file_input(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.urls"
    page = str(UploadForm())
    assert "data-b2-direct-upload" not in page and '<input type="file" name="file"' in page


@pytest.mark.django_db
def test_a_form_without_the_request_says_how_to_fix_it(browser: Browser) -> None:
    reference = browser.upload(data_of(12_000_000))
    form = UploadForm({"file__b2_upload": reference})
    with pytest.raises(ImproperlyConfigured, match="request=request"):
        form.is_valid()


@pytest.mark.parametrize(
    "arguments",
    [{"content_types": ["video"]}, {"max_size": 0}, {"permission": lambda request, storage, name: True}],
)
def test_bad_field_arguments_are_refused(arguments: dict[str, Any]) -> None:
    with pytest.raises(ImproperlyConfigured):
        DirectUploadField(model_field="showcase.LargeUpload.file", **arguments)


@pytest.mark.django_db
def test_the_admin_saves_a_direct_upload(browser: Browser, user: Any, b2: SimulatedB2) -> None:
    reference = browser.upload(data_of(12_000_000))
    request = RequestFactory().post("/admin/showcase/largeupload/add/")
    request.user = user
    request.session = browser.client.session
    form_class = LargeUploadAdmin(LargeUpload, AdminSite()).get_form(request)
    form = form_class({"file__b2_upload": reference, "uploaded_by": user.pk}, request=None)
    assert form.is_valid(), form.errors
    saved = form.save()
    assert saved.file.name == "large/movie.webm"
    assert b2.file_names("django") == ["large/movie.webm"]


@pytest.mark.django_db
def test_a_form_with_errors_elsewhere_keeps_the_finished_upload(browser: Browser, user: Any) -> None:
    reference = browser.upload(data_of(12_000_000))
    request = RequestFactory().post("/")
    request.user = user
    form_class = LargeUploadAdmin(LargeUpload, AdminSite()).get_form(request)
    form = form_class({"file__b2_upload": reference, "uploaded_by": ""})  # uploaded_by is missing
    assert not form.is_valid() and "uploaded_by" in form.errors and "file" not in form.errors
    assert f'value="{reference}"' in str(form["file"])
