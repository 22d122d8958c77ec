"""The README's configuration examples are valid settings, and pass ``check --deploy`` as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from django_backblaze_b2.options import resolve
from django_backblaze_b2.testing.server import LocalB2Server

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BLOCKS: list[str] = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def settings_blocks() -> list[str]:
    return [block for block in BLOCKS if block.lstrip().startswith("import os") and "BACKBLAZE_CONFIG = {" in block]


@pytest.mark.parametrize("block", settings_blocks())
def test_readme_settings_resolve(block: str) -> None:
    class Environ(dict[str, str]):
        def __missing__(self, key: str) -> str:
            return f"value-of-{key}"

    namespace: dict[str, Any] = {}
    exec(block.replace("os.environ", "ENVIRON"), {"ENVIRON": Environ()}, namespace)
    config = namespace["BACKBLAZE_CONFIG"]
    assert resolve(config, source="the README").bucket == config["bucket"]
    for alias in namespace.get("STORAGES", {}).values():
        resolve(alias.get("OPTIONS", {}), source="the README's STORAGES")


def test_there_are_settings_examples() -> None:
    assert len(settings_blocks()) >= 1


# -- the Install section, followed literally, against the local B2 server --------------------------

BASE_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]


def block_starting(first_line: str) -> str:
    found = [block for block in BLOCKS if block.startswith(first_line)]
    assert len(found) == 1, f"the README has {len(found)} python blocks starting {first_line!r}"
    return found[0]


def filled_in(block: str, redis_url: str) -> str:
    """The README's placeholders (``...``) replaced by what a project has anyway; nothing else changes."""
    replacements = {
        '["django_backblaze_b2", ...]': '["django_backblaze_b2", *BASE_APPS]',
        '"default": {...}': '"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}',
        '"redis://..."': repr(redis_url),
    }
    for placeholder, value in replacements.items():
        assert placeholder in block, f"the README no longer has {placeholder!r}: update this test"
        block = block.replace(placeholder, value)
    return block


def run_deploy_check(project: Path, settings_code: str, server: Any, extra_apps: list[str]) -> str:
    (project / "readme_settings.py").write_text(
        "import os\n"
        f"BASE_APPS = {BASE_APPS!r}\n"
        + settings_code
        + "\n# Beside the README: a project's usual settings, and the local B2 server's realm.\n"
        + f"INSTALLED_APPS += {extra_apps!r}\n"
        + 'BACKBLAZE_CONFIG["realm"] = os.environ["B2_REALM"]\n'
        + 'SECRET_KEY = "readme-test-" + "x" * 50\n'
        + 'ROOT_URLCONF = "readme_urls"\n'
        + 'DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}\n'
        + 'DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"\n'
        + 'STATIC_URL = "/static/"\n'
        + 'TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True, '
        + '"OPTIONS": {"context_processors": ["django.template.context_processors.request", '
        + '"django.contrib.auth.context_processors.auth", "django.contrib.messages.context_processors.messages"]}}]\n'
        + "MIDDLEWARE = ['django.contrib.sessions.middleware.SessionMiddleware', "
        + "'django.contrib.auth.middleware.AuthenticationMiddleware', "
        + "'django.contrib.messages.middleware.MessageMiddleware']\n"
    )
    environ = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(project), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "readme_settings",
        "B2_APPLICATION_KEY_ID": server.key_id,
        "B2_APPLICATION_KEY": server.key,
        "B2_REALM": server.realm,
    }
    done = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy"],
        cwd=project,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


@pytest.fixture
def redis_url() -> str:
    from tests.account_info.conftest import SHARED_REDIS, _answers, unavailable

    if not _answers(*SHARED_REDIS):
        unavailable("the README's Install section uses Redis: none on 127.0.0.1:6379")
    return "redis://{}:{}/0".format(*SHARED_REDIS)


def test_the_install_section_passes_check_deploy(tmp_path: Path, redis_url: str) -> None:
    settings_code = filled_in(block_starting("# settings.py\n"), redis_url)
    urls = block_starting("# urls.py").replace("[...,", "[")
    (tmp_path / "readme_urls.py").write_text("from django.urls import include, path\n" + urls)
    (tmp_path / "invoices").mkdir()
    (tmp_path / "invoices" / "__init__.py").write_text("")
    (tmp_path / "invoices" / "models.py").write_text("from django.db import models\n" + block_starting("# models.py"))

    with LocalB2Server() as server:
        create_bucket(server, "my-media", "allPrivate")  # as docs/local-b2-server.md says: --bucket my-media
        output = run_deploy_check(tmp_path, settings_code, server, ["invoices"])
        authorizations = server.calls["b2_authorize_account"]

    assert "django_backblaze_b2" not in output, output  # no error or warning of this library
    assert authorizations >= 1  # the deploy check did ask B2


def test_the_starting_points_pass_check_deploy(tmp_path: Path, redis_url: str) -> None:
    # The Install section's settings, then the copy-paste starting points over them.
    settings_code = filled_in(block_starting("# settings.py\n"), redis_url)
    (starting_points,) = settings_blocks()
    (tmp_path / "readme_urls.py").write_text("urlpatterns = []\n")

    with LocalB2Server() as server:
        create_bucket(server, "site-static", "allPublic")  # what the README's comment asks for
        output = run_deploy_check(tmp_path, settings_code + "\n" + starting_points, server, [])
        created = sorted(server.simulator.bucket_name_to_bucket)

    assert "django_backblaze_b2" not in output, output
    assert created == ["site-static"]  # "private-docs" is created on first use, never by a check


def create_bucket(server: Any, name: str, bucket_type: str) -> None:
    from django_backblaze_b2.testing.server.__main__ import create_buckets

    create_buckets(server.server, server.key_id, server.key, [f"{name}:{bucket_type}"])
