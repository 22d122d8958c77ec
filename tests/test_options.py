"""Settings: every 7.0.0 key keeps its meaning; mistakes are ImproperlyConfigured naming the option."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import StorageHandler
from django.test import override_settings

from django_backblaze_b2 import BackblazeB2Storage, LoggedInStorage, PublicStorage, StaffStorage
from django_backblaze_b2.options import get_default_b2_storage_options

SECRET = "K005-very-secret-application-key"


def test_7_0_0_keys_are_all_known() -> None:
    keys_7_0_0 = {
        "realm", "application_key_id", "application_key", "bucket", "authorize_on_init", "validate_on_init",
        "allow_file_overwrites", "account_info", "forbid_file_property_caching", "specific_bucket_names",
        "cdn_config", "non_existent_bucket_details", "default_file_info",
    }  # fmt: skip
    assert keys_7_0_0 <= set(get_default_b2_storage_options())


def test_unknown_option_is_named() -> None:
    with pytest.raises(ImproperlyConfigured, match="'buckett'"):
        BackblazeB2Storage(buckett="x")  # type: ignore[call-arg]
    with override_settings(BACKBLAZE_CONFIG={"simulator": True, "acount_info": {}}):
        # Built while models.py is imported: a settings mistake must not stop every command (and
        # `manage.py check`, whose E010 names it). The storage refuses to work instead.
        storage = BackblazeB2Storage()
        with pytest.raises(ImproperlyConfigured, match="BACKBLAZE_CONFIG: 'acount_info'"):
            storage.exists("a.txt")


def test_kwargs_opts_and_storages_options_all_work() -> None:
    assert BackblazeB2Storage(bucket="a").options.bucket == "a"
    assert BackblazeB2Storage(opts={"bucket": "b"}).options.bucket == "b"
    with pytest.raises(ImproperlyConfigured, match="not both"):
        BackblazeB2Storage(bucket="a", opts={"bucket": "b"})
    handler = StorageHandler(
        {"default": {"BACKEND": "django_backblaze_b2.storage.BackblazeB2Storage", "OPTIONS": {"bucket": "c"}}}  # type: ignore[dict-item]
    )
    storage = handler["default"]
    assert isinstance(storage, BackblazeB2Storage)
    assert storage.options.bucket == "c"


def test_settings_are_merged_under_constructor_options() -> None:
    config = {"simulator": True, "bucket": "from-settings", "default_file_info": {"a": "1"}}
    with override_settings(BACKBLAZE_CONFIG=config):
        storage = BackblazeB2Storage(default_file_info={"b": "2"})
        assert storage.options.bucket == "from-settings"
        assert dict(storage.options.default_file_info) == {"a": "1", "b": "2"}


def test_specific_bucket_names_choose_the_proxy_storages_buckets() -> None:
    config = {"simulator": True, "bucket": "main", "specific_bucket_names": {"public": "pub", "staff": "staff"}}
    with override_settings(BACKBLAZE_CONFIG=config):
        assert PublicStorage().options.bucket == "pub"
        assert LoggedInStorage().options.bucket == "main"
        assert StaffStorage().options.bucket == "staff"
        assert BackblazeB2Storage().options.bucket == "main"


def test_proxy_storages_refuse_where_files_live_in_kwargs() -> None:
    with pytest.raises(ImproperlyConfigured, match="BACKBLAZE_CONFIG only"):
        LoggedInStorage(bucket="elsewhere")
    with pytest.raises(ImproperlyConfigured, match="'application_key'"):
        StaffStorage(application_key=SECRET)
    # specific_bucket_names is accepted, as 7.0.0 accepted it: tests/test_dropin.py


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"bucket": 3}, "'bucket' must be a string"),
        ({"allow_file_overwrites": "yes"}, "'allow_file_overwrites' must be True or False"),
        ({"account_info": {"type": "redis"}}, "unknown type 'redis'"),
        ({"account_info": {"type": "sqlite"}}, "database_path"),
        ({"cdn_config": {"include_bucket_url_segments": True}}, "base_url"),
        ({"specific_bucket_names": {"admins": "x"}}, "admins"),
        ({"location": "a/../b"}, "'location' must be a plain prefix .*'\\.\\.'"),
        # A location is the start of file names: the rules of names hold for it too.
        ({"location": "media\nuploads"}, "'location' .*control characters"),
        ({"location": "a//b"}, "'location' .*'//'"),
        ({"location": "x" * 251}, "'location' .*250 UTF-8 bytes"),
        ({"specific_locations": {"staff": "a\\b"}}, "'specific_locations.staff' .*backslashes"),
        ({"specific_bucket_names": {"staff": 3}}, "'specific_bucket_names.staff' must be a string"),
        ({"url_expiry_scope": "bucket"}, "'url_expiry_scope' must be 'file'"),
    ],
)
def test_bad_values_say_what_to_do(options: dict[str, object], message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        BackblazeB2Storage(**options)  # type: ignore[arg-type]


def test_secrets_stay_out_of_errors_reprs_logs_and_migrations(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ImproperlyConfigured) as error:
        BackblazeB2Storage(application_key=123)  # type: ignore[arg-type]
    assert "123" not in str(error.value)
    storage = BackblazeB2Storage(application_key=SECRET, application_key_id="key-id-secret")
    assert SECRET not in repr(storage) and SECRET not in repr(storage.options)
    _path, _args, kwargs = storage.deconstruct()  # type: ignore[attr-defined]
    assert "application_key" not in kwargs and "application_key_id" not in kwargs
    _path, _args, kwargs = BackblazeB2Storage(opts={"application_key": SECRET}).deconstruct()  # type: ignore[attr-defined]
    assert SECRET not in repr(kwargs)
    assert SECRET not in caplog.text


def test_constructible_with_no_arguments_and_no_network(b2: object) -> None:
    from django_backblaze_b2.testing import SimulatedB2

    assert isinstance(b2, SimulatedB2)
    BackblazeB2Storage()
    assert b2.calls.total == 0  # authorize_on_init defaults to False: importing models stays offline


def test_authorize_and_validate_on_init(b2: object) -> None:
    from django_backblaze_b2.testing import SimulatedB2

    assert isinstance(b2, SimulatedB2)
    BackblazeB2Storage(authorize_on_init=True, validate_on_init=True, bucket="created-on-init")
    assert b2.calls["b2_authorize_account"] == 1
    assert "created-on-init" in b2.raw.bucket_name_to_bucket


def test_missing_credentials_are_a_clear_error_at_first_use() -> None:
    with override_settings(BACKBLAZE_CONFIG={"bucket": "x"}):
        storage = BackblazeB2Storage()
        with pytest.raises(ImproperlyConfigured, match="application_key_id"):
            storage.exists("a.txt")


# -- one declaration per option ---------------------------------------------------------------------


def test_every_shape_of_the_options_lists_the_declared_options() -> None:
    from dataclasses import fields

    from django_backblaze_b2.options import (
        OPTIONS,
        BackblazeB2StorageOptions,
        PossibleB2StorageOptions,
        StorageOptions,
    )

    declared = [option.name for option in OPTIONS]
    assert len(declared) == len(set(declared))
    assert {f.name for f in fields(StorageOptions)} == set(declared)
    assert set(BackblazeB2StorageOptions.__annotations__) == set(declared)
    assert set(PossibleB2StorageOptions.__annotations__) == set(declared)
    assert list(get_default_b2_storage_options()) == declared


def readme_settings_rows() -> list[tuple[list[str], str]]:
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    table = readme.split("| option | default | meaning |\n|---|---|---|\n", 1)[1].split("\n\n", 1)[0]
    rows = []
    for line in table.splitlines():
        names_cell, default_cell = line.split(" | ")[:2]
        rows.append(([name.strip("` ") for name in names_cell.strip("| ").split(", ")], default_cell))
    return rows


def test_the_readme_settings_table_lists_every_option_once_with_its_default() -> None:
    import ast
    import re

    from django_backblaze_b2.options import OPTIONS
    from django_backblaze_b2.options.spec import UNSET

    defaults = {option.name: option.default for option in OPTIONS}
    documented: list[str] = []
    for names, default_cell in readme_settings_rows():
        documented += names
        if default_cell == "required":
            assert all(defaults[name] == UNSET for name in names), names
        elif default_cell == "all `None`":
            assert all(set(defaults[name].values()) == {None} for name in names), names
        else:
            literals = [ast.literal_eval(literal) for literal in re.findall(r"`([^`]*)`", default_cell)]
            assert literals == [defaults[name] for name in names] or literals * len(names) == [
                defaults[name] for name in names
            ], (names, default_cell)
    assert sorted(documented) == sorted(defaults)
