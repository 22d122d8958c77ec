"""One scenario for one contender, in a fresh process: ``python -m benchmarks.worker SPEC_JSON``.

The parent (:mod:`benchmarks.runner`) passes the spec and reads the JSON result from the file the
spec names. A fresh process per scenario keeps memory high-water marks and caches from leaking from
one measurement into the next.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from contextlib import ExitStack
from importlib import metadata
from pathlib import Path
from typing import Any

from .contenders import NotApplicable, contender_class
from .endpoints import ROOT, B2Endpoint
from .scenarios import COUNTED, MEASURED, run_counted


def _hide_this_checkout() -> None:
    """Let ``import django_backblaze_b2`` find the installed reference package, not this checkout.

    ``benchmarks`` is imported already; its submodules are found through its ``__path__``.
    """
    sys.path[:] = [entry for entry in sys.path if Path(entry or os.getcwd()).resolve() != ROOT]
    for name in [name for name in sys.modules if name.split(".")[0] == "django_backblaze_b2"]:
        del sys.modules[name]


def run(spec: dict[str, Any]) -> dict[str, Any]:
    cls = contender_class(spec["contender"])
    with ExitStack() as stack:
        endpoint = B2Endpoint(**spec["endpoint"]) if spec.get("endpoint") else cls.simulated_endpoint(stack)
        contender = cls(endpoint)
        from . import web

        web.configure(cls.urlconf, cls.installed_apps, contender.backblaze_config())
        contender.start()
        if spec["scenario"] in COUNTED:
            return run_counted(spec["scenario"], contender, endpoint)
        return MEASURED[spec["scenario"]](contender, endpoint, spec.get("params", {}))


def versions() -> dict[str, str]:
    found = {}
    for distribution in ("django-backblaze-b2", "b2sdk", "Django"):
        try:
            found[distribution] = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            found[distribution] = "-"
    return found


def main(argv: list[str]) -> int:
    spec = json.loads(argv[1])
    if spec["contender"] == "reference":
        _hide_this_checkout()
    result: dict[str, Any]
    try:
        result = {"outcome": "ok", **run(spec)}
        if "wrong" in result:
            result["outcome"] = "wrong"
    except NotApplicable as reason:
        result = {"outcome": "n/a", "reason": str(reason)}
    except Exception as error:
        traceback.print_exc()
        result = {"outcome": "error", "reason": f"{type(error).__name__}: {error}"[:300]}
    result["versions"] = versions()
    Path(spec["out"]).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
