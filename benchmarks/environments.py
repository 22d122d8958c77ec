"""The Python each contender runs under: this virtualenv, or the reference package's own.

django-backblaze-b2 7.0.0 has this library's package name, so it gets a virtualenv of its own
(``.venv-bench-ref/``), made with uv from the package index. b2sdk and Django are pinned to the
versions this library runs with, so the comparison is of the packages, not of their dependencies;
if the index cannot give those, pip resolves freely and the versions are reported.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from .endpoints import ROOT

REFERENCE = "django-backblaze-b2==7.0.0"
REFERENCE_VENV = ROOT / ".venv-bench-ref"


def _uv() -> str:
    beside_python = Path(sys.executable).parent / "uv"
    found = str(beside_python) if beside_python.exists() else shutil.which("uv")
    if found is None:
        raise RuntimeError("uv is needed to build the reference package's virtualenv: pip install uv")
    return found


def _reference_installed(python: Path) -> bool:
    if not python.exists():
        return False
    check = "from importlib.metadata import version; print(version('django-backblaze-b2'))"
    answer = subprocess.run([str(python), "-c", check], capture_output=True, text=True, cwd="/", check=False)
    return answer.stdout.strip() == REFERENCE.split("==")[1]


@functools.cache
def reference_python() -> Path:
    """The reference package's interpreter, installing it on first use."""
    python = REFERENCE_VENV / "bin" / "python"
    if _reference_installed(python):
        return python
    uv = _uv()
    subprocess.run([uv, "venv", "-q", "--allow-existing", "-p", sys.executable, str(REFERENCE_VENV)], check=True)
    pins = [f"b2sdk=={metadata.version('b2sdk')}", f"django=={metadata.version('django')}"]
    install = [uv, "pip", "install", "-q", "-p", str(python), REFERENCE]
    if subprocess.run([*install, *pins], check=False).returncode != 0:
        print(f"benchmarks: could not pin {' '.join(pins)} for {REFERENCE}; letting pip choose", file=sys.stderr)
        subprocess.run(install, check=True)
    return python


def python_for(contender: str) -> Path:
    return reference_python() if contender == "reference" else Path(sys.executable)
