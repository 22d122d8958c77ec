"""The README's configuration examples are valid settings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from django_backblaze_b2.options import resolve

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


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
