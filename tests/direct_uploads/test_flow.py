"""A direct upload from start to saved model, on the simulated B2, and what must not work."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import requests

from django_backblaze_b2.storage import BackblazeB2Storage
from django_backblaze_b2.testing import SimulatedB2, simulated_b2
from showcase.models import LargeUpload

from .conftest import Browser, data_of

pytestmark = pytest.mark.django_db
SIZE = 12_000_000  # three parts of 5 MB, 5 MB and 2 MB


def bucket_names(b2: SimulatedB2) -> list[str]:
    return b2.file_names("django")


def test_the_file_reaches_its_final_name_only_when_the_form_is_saved(browser: Browser, b2: SimulatedB2) -> None:
    data = data_of(SIZE)
    reference = browser.upload(data)
    # Finished, but only under the incoming folder, which no model uses.
    assert [name.split("/")[0] for name in bucket_names(b2)] == ["_b2_incoming"]

    saved = browser.submit(reference)

    assert saved.status_code == 200, saved.content
    upload = LargeUpload.objects.get(pk=saved.json()["pk"])
    assert upload.file.name == "large/movie.webm"
    assert bucket_names(b2) == ["large/movie.webm"]  # moved: the incoming file is gone
    with upload.file.open("rb") as stored:
        assert stored.read() == data
    assert upload.file.storage.get_file_metadata(upload.file.name).content_type == "video/webm"


def test_the_browser_sends_parts_in_the_planned_sizes(browser: Browser) -> None:
    grant = browser.begin(data_of(SIZE)).json()
    assert (grant["direct"], grant["partSize"], grant["partCount"]) == (True, 5_000_000, 3)


def test_a_taken_name_gets_djangos_alternative(browser: Browser, b2: SimulatedB2) -> None:
    first = browser.submit(browser.upload(data_of(SIZE, seed=1))).json()["name"]
    second = browser.submit(browser.upload(data_of(SIZE, seed=2))).json()["name"]
    assert first == "large/movie.webm"
    assert second.startswith("large/movie_") and second.endswith(".webm")
    assert sorted(bucket_names(b2)) == sorted([first, second])


def test_saving_the_same_upload_twice_changes_nothing(browser: Browser, b2: SimulatedB2) -> None:
    reference = browser.upload(data_of(SIZE))
    assert browser.submit(reference).status_code == 200
    again = browser.submit(reference)
    assert again.status_code == 400
    assert again.json()["errors"]["file"][0]["code"] == "stale_upload"
    assert bucket_names(b2) == ["large/movie.webm"]
    assert LargeUpload.objects.count() == 1


def test_someone_elses_finished_upload_is_refused(browser: Browser, other_browser: Browser, b2: SimulatedB2) -> None:
    reference = browser.upload(data_of(SIZE))
    stolen = other_browser.submit(reference)
    assert stolen.status_code == 400
    assert stolen.json()["errors"]["file"][0]["code"] == "stale_upload"
    assert LargeUpload.objects.count() == 0
    assert browser.submit(reference).status_code == 200  # the owner still can


def test_someone_elses_grant_gives_no_part_url_and_cannot_be_finished(browser: Browser, other_browser: Browser) -> None:
    data = data_of(SIZE)
    grant = browser.begin(data).json()
    sha1s = browser.send_parts(grant, data)
    assert other_browser.post("part-url", upload=grant["upload"]).status_code == 403
    assert other_browser.post("parts", upload=grant["upload"]).status_code == 403
    assert other_browser.post("complete", upload=grant["upload"], partSha1Array=sha1s).status_code == 403
    assert other_browser.post("cancel", upload=grant["upload"]).status_code == 403
    assert browser.post("complete", upload=grant["upload"], partSha1Array=sha1s).status_code == 200


def test_a_changed_grant_is_refused(browser: Browser) -> None:
    grant = browser.begin(data_of(SIZE)).json()
    forged = grant["upload"][:-3] + ("AAA" if not grant["upload"].endswith("AAA") else "BBB")
    assert browser.post("part-url", upload=forged).status_code == 403
    ticket = browser.ticket()
    assert browser.post("part-url", upload=ticket).status_code == 403  # a ticket is not a grant


def test_finishing_twice_changes_nothing(browser: Browser, b2: SimulatedB2) -> None:
    data = data_of(SIZE)
    grant = browser.begin(data).json()
    sha1s = browser.send_parts(grant, data)
    assert browser.post("complete", upload=grant["upload"], partSha1Array=sha1s).status_code == 200
    names = bucket_names(b2)
    assert browser.post("complete", upload=grant["upload"], partSha1Array=sha1s).status_code == 409
    assert bucket_names(b2) == names


def test_a_missing_or_different_part_is_not_finished(browser: Browser, b2: SimulatedB2) -> None:
    data = data_of(SIZE)
    grant = browser.begin(data).json()
    sha1s = browser.send_parts(grant, data, only=[1, 3])
    missing = browser.post("complete", upload=grant["upload"], partSha1Array=sha1s)
    assert missing.status_code == 409 and "part 2" in missing.json()["error"]
    browser.send_parts(grant, data, only=[2])
    wrong = browser.post("complete", upload=grant["upload"], partSha1Array=[sha1s[0], sha1s[0], sha1s[2]])
    assert wrong.status_code == 409 and "SHA-1" in wrong.json()["error"]
    assert bucket_names(b2) == []  # nothing finished
    assert browser.post("complete", upload=grant["upload"], partSha1Array=sha1s).status_code == 200


def test_a_resumed_upload_sends_only_the_missing_parts(browser: Browser) -> None:
    data = data_of(SIZE)
    grant = browser.begin(data).json()
    sha1s = browser.send_parts(grant, data, only=[1, 2])
    held = browser.post("parts", upload=grant["upload"]).json()["parts"]
    assert [(p["partNumber"], p["contentLength"], p["contentSha1"]) for p in held] == [
        (1, 5_000_000, sha1s[0]),
        (2, 5_000_000, sha1s[1]),
    ]
    browser.send_parts(grant, data, only=[3])
    reference = browser.post("complete", upload=grant["upload"], partSha1Array=sha1s).json()["finished"]
    assert browser.submit(reference).status_code == 200
    assert browser.uploaded_parts == [1, 2, 3]


def test_a_cancelled_upload_is_gone(browser: Browser) -> None:
    grant = browser.begin(data_of(SIZE)).json()
    assert browser.post("cancel", upload=grant["upload"]).json() == {"cancelled": True}
    assert browser.post("parts", upload=grant["upload"]).status_code == 409


def test_a_file_too_small_for_a_large_file_goes_through_django(browser: Browser, b2: SimulatedB2) -> None:
    answer = browser.begin(data_of(5_000_000))  # B2's minimum part size: a large file needs two parts
    assert answer.json() == {"direct": False}
    assert bucket_names(b2) == []
    from django.core.files.uploadedfile import SimpleUploadedFile

    posted = browser.client.post("/forms/upload/", {"file": SimpleUploadedFile("small.txt", b"through Django")})
    assert posted.status_code == 200, posted.content
    assert LargeUpload.objects.get().file.read() == b"through Django"


@pytest.mark.parametrize(
    ("size", "name", "content_type", "status"),
    [
        (30_000_000, "movie.webm", "video/webm", 413),
        (SIZE, "notes.pdf", "application/pdf", 415),
        (SIZE, "page.html", "", 415),  # no type given: guessed from the name
    ],
)
def test_limits_are_checked_before_anything_is_started(
    browser: Browser, b2: SimulatedB2, size: int, name: str, content_type: str, status: int
) -> None:
    answer = browser.post("begin", ticket=browser.ticket("limited"), name=name, size=size, type=content_type)
    assert answer.status_code == status
    assert b2.calls["b2_start_large_file"] == 0


def test_limits_hold_for_uploads_through_django(browser: Browser) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    posted = browser.client.post("/forms/limited/", {"file": SimpleUploadedFile("a.pdf", b"%PDF", "application/pdf")})
    assert posted.json()["errors"]["file"][0]["code"] == "content_type"


def test_the_permission_hook_decides_who_may_upload(browser: Browser, user: Any, client: Any) -> None:
    assert browser.begin(data_of(SIZE), kind="staff").status_code == 403
    user.is_staff = True
    user.save()
    grant = browser.begin(data_of(SIZE), kind="staff").json()
    assert grant["direct"]
    user.is_staff = False
    user.save()
    assert browser.post("part-url", upload=grant["upload"]).status_code == 403  # revoked mid-way


def test_anonymous_visitors_may_not_upload_by_default(b2: SimulatedB2) -> None:
    from django.test import Client

    anonymous = Browser(Client(), b2)
    assert anonymous.begin(data_of(SIZE)).status_code == 403
    assert b2.calls["b2_start_large_file"] == 0


def test_the_views_take_only_post(browser: Browser) -> None:
    assert browser.client.get("/b2-uploads/begin").status_code == 405


def test_on_the_in_process_simulated_b2_files_go_through_django(browser: Browser) -> None:
    with simulated_b2() as in_process:
        answer = browser.begin(data_of(SIZE))
        assert answer.json() == {"direct": False}
        assert in_process.calls["b2_start_large_file"] == 0


@pytest.mark.parametrize(("given", "stored"), [("../../etc/passwd", "large/passwd"), ("..", "large/upload")])
def test_the_browsers_name_is_only_a_base_name(browser: Browser, given: str, stored: str) -> None:
    data = data_of(SIZE)
    grant = browser.begin(data, name=given).json()
    sha1s = browser.send_parts(grant, data)
    reference = browser.post("complete", upload=grant["upload"], partSha1Array=sha1s).json()["finished"]
    assert browser.submit(reference).json()["name"] == stored


def test_the_browser_never_gets_a_token_that_writes_other_names(browser: Browser) -> None:
    data = data_of(SIZE)
    grant = browser.begin(data).json()
    target = browser.post("part-url", upload=grant["upload"]).json()
    storage = LargeUpload().file.storage
    assert isinstance(storage, BackblazeB2Storage)
    assert target["authorizationToken"] != storage._connection.api.account_info.get_account_auth_token()
    planted = requests.post(
        target["uploadUrl"].replace("b2_upload_part", "b2_upload_file"),
        data=b"<script>",
        headers={
            "Authorization": target["authorizationToken"],
            "X-Bz-File-Name": "large/planted.html",
            "Content-Type": "text/html",
            "X-Bz-Content-Sha1": hashlib.sha1(b"<script>").hexdigest(),
        },
        timeout=30,
    )
    assert planted.status_code in (400, 401, 404)
    assert "large/planted.html" not in bucket_names(browser.b2)
