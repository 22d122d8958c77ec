"""Creating a missing bucket with B2's bucket options, and the deployment checks that compare an
existing bucket with what the settings expect (offline unless ``--deploy``)."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from b2sdk.v2 import SSE_B2_AES, SSE_NONE
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import models
from django.test import override_settings

from django_backblaze_b2 import BackblazeB2Storage
from django_backblaze_b2.testing import SimulatedB2

EXPORT_RULE = {"file_name_prefix": "exports/", "days_from_uploading_to_hiding": 7, "days_from_hiding_to_deleting": 1}


def b2_bucket(b2: SimulatedB2, name: str) -> Any:
    return b2.api().list_buckets(bucket_name=name)[0]


# -- creating a missing bucket ---------------------------------------------------------------------


def test_a_missing_bucket_is_created_with_lifecycle_rules_and_default_encryption(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage(
        bucket="exports-bucket",
        non_existent_bucket_details={
            "lifecycle_rules": [EXPORT_RULE, {"fileNamePrefix": "tmp/", "daysFromUploadingToHiding": 1}],
            "default_server_side_encryption": {"mode": "SSE-B2"},
            "bucket_info": {"purpose": "exports"},
        },
    )
    storage.save("exports/report.csv", ContentFile(b"a,b"))
    bucket = b2_bucket(b2, "exports-bucket")
    assert bucket.type_ == "allPrivate"  # the default: never public by accident
    assert bucket.lifecycle_rules == [
        {"fileNamePrefix": "exports/", "daysFromUploadingToHiding": 7, "daysFromHidingToDeleting": 1},
        {"fileNamePrefix": "tmp/", "daysFromUploadingToHiding": 1},
    ]
    assert bucket.default_server_side_encryption.mode.value == "SSE-B2"
    assert bucket.bucket_info == {"purpose": "exports"}
    assert b2.calls["b2_create_bucket"] == 1


def test_a_public_bucket_and_b2sdk_objects_as_in_7_0_0(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage(
        bucket="site-assets",
        non_existent_bucket_details={"bucket_type": "allPublic", "default_server_side_encryption": SSE_B2_AES},
    )
    storage.save("a.css", ContentFile(b"body{}"))
    bucket = b2_bucket(b2, "site-assets")
    assert bucket.type_ == "allPublic"
    assert bucket.default_server_side_encryption.mode.value == "SSE-B2"


def test_an_existing_bucket_is_left_as_it_is(b2: SimulatedB2) -> None:
    b2.create_bucket("media-bucket", "allPublic")
    storage = BackblazeB2Storage(bucket="media-bucket", non_existent_bucket_details={"lifecycle_rules": [EXPORT_RULE]})
    storage.save("a.txt", ContentFile(b"x"))
    bucket = b2_bucket(b2, "media-bucket")
    assert bucket.type_ == "allPublic" and bucket.lifecycle_rules == []
    assert b2.calls["b2_create_bucket"] == 0


@pytest.mark.parametrize(
    ("details", "match"),
    [
        ("allPrivate", "must be a dict"),
        ({"bucket_typ": "allPrivate"}, r"unknown key\(s\) \['bucket_typ'\]"),
        ({"bucket_type": "private"}, "'allPrivate' or 'allPublic'"),
        ({"lifecycle_rules": EXPORT_RULE}, "must be a list of rules"),
        ({"lifecycle_rules": ["exports/"]}, "must be a dict"),
        ({"lifecycle_rules": [{"daysFromUploadingToHiding": 7}]}, "needs 'fileNamePrefix'"),
        ({"lifecycle_rules": [{"fileNamePrefix": "x/", "days_to_delete": 7}]}, r"unknown key\(s\) \['daysToDelete'\]"),
        ({"lifecycle_rules": [{"fileNamePrefix": "x/", "daysFromUploadingToHiding": 0}]}, "1 or more"),
        ({"lifecycle_rules": [{"fileNamePrefix": "x/", "daysFromHidingToDeleting": "7"}]}, "whole number of days"),
        ({"lifecycle_rules": [{"fileNamePrefix": "x/", "daysFromHidingToDeleting": True}]}, "whole number of days"),
        ({"lifecycle_rules": [{"fileNamePrefix": "x/"}]}, "does nothing"),
        ({"default_server_side_encryption": {"mode": "SSE-C"}}, "never stores your key"),
        ({"default_server_side_encryption": {"mode": "none"}}, "the only mode B2 offers"),
        ({"default_server_side_encryption": "SSE-B2"}, "must be"),
    ],
)
def test_bad_bucket_details_fail_at_start_up(b2: SimulatedB2, details: Any, match: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=match):
        BackblazeB2Storage(bucket="new-bucket", non_existent_bucket_details=details)
    assert b2.calls["b2_create_bucket"] == 0


# -- deployment checks -----------------------------------------------------------------------------


def storages_setting(**options: Any) -> dict[str, Any]:
    return {
        "default": {"BACKEND": "django_backblaze_b2.storage.BackblazeB2Storage", "OPTIONS": options},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def deploy_messages() -> list[Any]:
    return [
        m
        for m in run_checks(include_deployment_checks=True, tags=["b2"])
        if (m.id or "").startswith("django_backblaze")
    ]


def ids(messages: list[Any], where: str = "STORAGES['default']") -> list[str]:
    return sorted(m.id for m in messages if m.msg.startswith(where))


def test_plain_check_stays_offline(b2: SimulatedB2) -> None:
    with override_settings(STORAGES=storages_setting(bucket="missing")):
        call_command("check", stdout=StringIO())
    assert b2.calls.total == 0


def test_a_bucket_as_expected_passes(b2: SimulatedB2) -> None:
    b2.create_bucket("media-bucket", "allPrivate")
    details = {"bucket_type": "allPrivate", "default_server_side_encryption": {"mode": "SSE-B2"}}
    with override_settings(STORAGES=storages_setting(bucket="media-bucket", non_existent_bucket_details=details)):
        assert ids(deploy_messages()) == []
    assert b2.calls["b2_list_buckets"] >= 1  # it did ask B2


def test_a_missing_bucket_without_details_is_an_error(b2: SimulatedB2) -> None:
    with override_settings(STORAGES=storages_setting(bucket="missing")):
        messages = deploy_messages()
    assert ids(messages) == ["django_backblaze_b2.E030"]
    assert b2.calls["b2_create_bucket"] == 0  # a check never creates anything


def test_a_missing_bucket_with_details_will_be_created(b2: SimulatedB2) -> None:
    with override_settings(STORAGES=storages_setting(bucket="missing", non_existent_bucket_details={})):
        assert ids(deploy_messages()) == []


def test_a_public_bucket_where_private_is_expected(b2: SimulatedB2) -> None:
    b2.create_bucket("media-bucket", "allPublic")
    details = {"bucket_type": "allPrivate"}
    with override_settings(STORAGES=storages_setting(bucket="media-bucket", non_existent_bucket_details=details)):
        messages = deploy_messages()
    assert ids(messages) == ["django_backblaze_b2.E031"]
    assert "Anyone who knows a file's name can download it" in messages[0].msg


def test_default_encryption_differs(b2: SimulatedB2) -> None:
    b2.create_bucket("media-bucket", "allPrivate")
    # A bucket from before B2 encrypted by default (b2sdk can no longer create one).
    b2.raw.bucket_name_to_bucket["media-bucket"].default_server_side_encryption = SSE_NONE
    details = {"default_server_side_encryption": {"mode": "SSE-B2"}}
    with override_settings(STORAGES=storages_setting(bucket="media-bucket", non_existent_bucket_details=details)):
        messages = deploy_messages()
    assert ids(messages) == ["django_backblaze_b2.W032"]
    assert "'none'" in messages[0].msg and "'SSE-B2'" in messages[0].msg


def test_default_encryption_the_key_may_not_read(b2: SimulatedB2) -> None:
    b2.create_bucket("media-bucket", "allPrivate")
    key = b2.raw.key_id_to_key[b2.key_id]
    key.capabilities = [c for c in key.capabilities if c != "readBucketEncryption"]
    details = {"default_server_side_encryption": {"mode": "SSE-B2"}}
    with override_settings(STORAGES=storages_setting(bucket="media-bucket", non_existent_bucket_details=details)):
        assert ids(deploy_messages()) == ["django_backblaze_b2.W033"]


def test_b2_unreachable_is_reported_not_raised(b2: SimulatedB2) -> None:
    b2.raw.key_id_to_key.clear()  # the credentials no longer exist: authorizing fails
    with override_settings(STORAGES=storages_setting(bucket="media-bucket")):
        messages = deploy_messages()
    assert ids(messages) == ["django_backblaze_b2.E035"]


def test_expiring_links_on_a_public_bucket(b2: SimulatedB2) -> None:
    b2.create_bucket("media-bucket", "allPublic")
    with override_settings(STORAGES=storages_setting(bucket="media-bucket", url_expiry=60)):
        assert ids(deploy_messages()) == ["django_backblaze_b2.W034"]


def test_invalid_options_are_reported_once_not_raised(b2: SimulatedB2) -> None:
    with override_settings(STORAGES=storages_setting(url_expiry=0)):
        messages = deploy_messages()
    assert ids(messages) == ["django_backblaze_b2.E050"]  # the settings check; the deploy check adds nothing
    assert "'url_expiry' must be between" in messages[0].msg


class Document(models.Model):
    file = models.FileField(
        storage=BackblazeB2Storage(bucket="documents", non_existent_bucket_details={"bucket_type": "allPrivate"})
    )

    class Meta:
        app_label = "testapp"

    def __str__(self) -> str:
        return self.file.name or ""


def test_model_fields_are_checked_too(b2: SimulatedB2) -> None:
    b2.create_bucket("documents", "allPublic")
    messages = deploy_messages()
    assert ids(messages, "testapp.Document.file") == ["django_backblaze_b2.E031"]
