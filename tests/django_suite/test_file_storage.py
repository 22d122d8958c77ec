"""Django's own ``tests/file_storage/tests.py``, of the installed Django version, on ``BackblazeB2Storage``.

Each of Django's test classes is subclassed here with its storage swapped for a B2 one on the simulated
B2: ``FileSystemStorage`` becomes ``BackblazeB2Storage`` (``allow_overwrite`` becomes
``allow_file_overwrites``), and a storage subclass the test defines (``CustomStorage``, ...) keeps its own
methods on top of ``BackblazeB2Storage``. The model ``file_storage.models.Storage`` has its fields'
storages swapped the same way. Tests that can only be about a local filesystem are skipped, each with
its reason (``SKIPPED`` lines in pytest's summary); the counts are printed at the end of the run.

Without network (PyPI), the module is skipped with the reason, except under ``CI=true``, where it fails.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import re
import sys
import types
import unittest
from typing import Any

import django
import pytest
from django.core.files.storage import FileSystemStorage
from django.test import override_settings

from django_backblaze_b2 import BackblazeB2Storage

from .source import UnavailableError, file_storage_tests

PACKAGE = "tests.django_suite.file_storage"

_NO_PATH = "calls path(), which a remote storage must not implement (Django's own contract for remote storages)"
_ON_DISK = "checks the result on disk (os.path.exists/os.listdir in the storage's folder)"

#: Tests that are about a local filesystem only, by method name or "Class.method". Besides these, a test
#: that checks its result with os.path.exists() or os.listdir() is skipped with _ON_DISK.
SKIPPED = {
    "test_lazy_object_is_not_evaluated_before_manual_access": "Django 6.1: compares the test model's storage with "
    "the module's own temp_storage instance, and the adapter gives the model a B2 storage of its own",
    "test_empty_location": "FileSystemStorage's base_location and os.getcwd(): a bucket has no working directory",
    "test_file_get_accessed_time": f"compares with os.path.getatime(): {_NO_PATH} (the _timezone variant runs)",
    "test_file_get_created_time": f"compares with os.path.getctime(): {_NO_PATH} (the _timezone variant runs)",
    "test_file_get_modified_time": f"compares with os.path.getmtime(): {_NO_PATH} (the _timezone variant runs)",
    "test_file_save_broken_symlink": "symlinks on disk",
    "test_file_path": _NO_PATH,
    "test_file_url": "FileSystemStorage's base_url (MEDIA_URL); B2 URLs are covered in tests/test_storage_contract.py",
    "test_base_url": "FileSystemStorage's base_url (MEDIA_URL)",
    "test_listdir": "creates a folder with os.mkdir(); B2 has no empty folders (listdir is in tests/test_dropin.py)",
    "test_file_storage_preserves_filename_case": _NO_PATH,
    "test_makedirs_race_handling": "patches os.makedirs, which a B2 storage never calls",
    "test_remove_race_handling": "patches os.remove, which a B2 storage never calls (the delete race: test_dropin.py)",
    "test_delete_deletes_directories": "a folder made on disk with tempfile.mkdtemp()",
    "test_setting_changed": "MEDIA_ROOT, MEDIA_URL and the FILE_UPLOAD_*_PERMISSIONS settings",
    "test_file_methods_pathlib_path": f"{_NO_PATH} (pathlib names are in tests/test_dropin.py)",
    "test_extended_length_storage": "the filesystem's PC_NAME_MAX for storage.location on disk (B2 allows 250 bytes a "
    "segment: tests/test_names.py)",
    "test_file_object": f"opens the stored file with Python's open(): {_NO_PATH}",
    "test_create_file_field_from_another_file_field_in_memory_storage": "runs on InMemoryStorage, not this storage",
    "test_race_condition": f"{_ON_DISK}; concurrent saves of one name are in tests/test_concurrency.py",
    "test_os_open_flags_deprecation_warning": "FileSystemStorage's OS_OPEN_FLAGS",
}

#: Whole classes that test something other than a storage backend.
NOT_RUN = {
    "FileSystemStorageTests": "FileSystemStorage's own deconstruct() and base_url",
    "OverwritingStorageOSOpenFlagsWarningTests": "FileSystemStorage's OS_OPEN_FLAGS deprecation warning",
    "FieldCallableFileStorageTests": "FileField(storage=<callable>) with FileSystemStorage: no backend involved",
    "FileStoragePermissions": "file modes on disk (umask, FILE_UPLOAD_PERMISSIONS)",
    "StorageHandlerTests": "django.core.files.storage.storages, the same for every backend",
}


def _load_django_tests() -> types.ModuleType:
    try:
        folder = file_storage_tests()
    except UnavailableError as error:
        if os.environ.get("CI") == "true":
            raise
        reason = f"Django {django.__version__}'s tests/file_storage are not available: {error}"
        pytest.skip(reason, allow_module_level=True)
    if PACKAGE not in sys.modules:
        # A sub-package of this app, so Django's models.py gets the installed app label "django_suite".
        spec = importlib.util.spec_from_file_location(
            PACKAGE, folder / "__init__.py", submodule_search_locations=[str(folder)]
        )
        assert spec is not None and spec.loader is not None
        package = importlib.util.module_from_spec(spec)
        sys.modules[PACKAGE] = package
        spec.loader.exec_module(package)
    return importlib.import_module(f"{PACKAGE}.tests")


class _FromFileSystemOptions(BackblazeB2Storage):
    """Takes ``FileSystemStorage``'s constructor arguments; only ``allow_overwrite`` means something on B2."""

    def __init__(self, location: Any = None, base_url: Any = None, *, allow_overwrite: bool = False, **_: Any) -> None:
        super().__init__(allow_file_overwrites=allow_overwrite)


_b2_classes: dict[type, type[_FromFileSystemOptions]] = {}


def b2_class(django_class: type[FileSystemStorage]) -> type[_FromFileSystemOptions]:
    """``django_class`` with ``BackblazeB2Storage`` in place of ``FileSystemStorage``: its own methods stay."""
    if django_class not in _b2_classes:
        cls = type(f"B2{django_class.__name__}", (_FromFileSystemOptions,), {"__module__": __name__})
        for base in reversed(django_class.__mro__[: django_class.__mro__.index(FileSystemStorage)]):
            for name, value in vars(base).items():
                if inspect.isfunction(value) and name != "__init__":
                    setattr(cls, name, _rebound(value, cls))
        _b2_classes[django_class] = cls
    return _b2_classes[django_class]


def _rebound(function: types.FunctionType, cls: type) -> types.FunctionType:
    """The function with its ``super()`` (its ``__class__`` cell) pointing at ``cls``."""
    if "__class__" not in function.__code__.co_freevars:
        return function
    cells = tuple(
        types.CellType(cls) if name == "__class__" else cell
        for name, cell in zip(function.__code__.co_freevars, function.__closure__ or (), strict=True)
    )
    return types.FunctionType(function.__code__, function.__globals__, function.__name__, function.__defaults__, cells)


def on_b2(storage: Any) -> Any:
    """A B2 storage in place of a ``FileSystemStorage`` instance; anything else is returned as is."""
    if not issubclass(type(storage), FileSystemStorage):  # not isinstance(): default_storage is a lazy proxy
        return storage
    return b2_class(type(storage))(allow_overwrite=getattr(storage, "_allow_overwrite", False))


def _swap_model_storages(django_tests: types.ModuleType) -> None:
    models = sys.modules[f"{PACKAGE}.models"]
    swapped: dict[int, Any] = {}
    for field in models.Storage._meta.get_fields():
        storage = getattr(field, "storage", None)
        if storage is not None:
            field.storage = swapped.setdefault(id(storage), on_b2(storage))
    # The tests also use the module's temp_storage directly.
    setattr(django_tests, "temp_storage", swapped.setdefault(id(models.temp_storage), on_b2(models.temp_storage)))  # noqa: B010


def _skipped(reason: str) -> Any:
    @unittest.skip(reason)
    def test(self: Any) -> None:
        pass  # pragma: no cover

    return test


def _checks_disk(django_class: type, name: str) -> str | None:
    """The reason to skip a test that checks its result on disk (one version's test may, another's not)."""
    try:
        source = inspect.getsource(getattr(django_class, name))
    except (OSError, TypeError):
        return None
    return _ON_DISK if re.search(r"os\.path\.exists\(|os\.listdir\(", source) else None


def _adapted(django_class: type[unittest.TestCase]) -> type[unittest.TestCase]:
    original_set_up = django_class.setUp

    def setUp(self: Any) -> None:
        # Older versions' FileFieldStorageTests.tearDown() removes this folder unconditionally; on disk,
        # the next test's saves would have made it again.
        os.makedirs(sys.modules[f"{PACKAGE}.models"].temp_storage_location, exist_ok=True)
        original_set_up(self)
        if hasattr(self, "storage"):
            self.storage = on_b2(self.storage)

    namespace: dict[str, Any] = {"__module__": __name__, "setUp": setUp}
    if isinstance(getattr(django_class, "storage_class", None), type):
        namespace["storage_class"] = b2_class(django_class.storage_class)  # type: ignore[attr-defined]
    for name in dir(django_class):
        if not name.startswith("test"):
            continue
        reason = SKIPPED.get(f"{django_class.__name__}.{name}") or SKIPPED.get(name) or _checks_disk(django_class, name)
        if reason:
            namespace[name] = _skipped(reason)
    adapted = type(f"{django_class.__name__}OnB2", (django_class,), namespace)
    if django_class.__name__ == "FileLikeObjectTestCase":
        # Its live server runs with available_apps = []: no middleware that needs django.contrib.auth.
        adapted = override_settings(ROOT_URLCONF=f"{PACKAGE}.urls", MIDDLEWARE=[])(adapted)
    if django_class.__name__ in NOT_RUN:
        adapted = unittest.skip(NOT_RUN[django_class.__name__])(adapted)
    return adapted


def _collect() -> None:
    django_tests = _load_django_tests()
    _swap_model_storages(django_tests)
    for name, value in list(vars(django_tests).items()):
        defined_there = getattr(value, "__module__", None) == django_tests.__name__
        if defined_there and isinstance(value, type) and issubclass(value, unittest.TestCase):
            globals()[f"{name}OnB2"] = _adapted(value)


_collect()
