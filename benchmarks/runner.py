"""Runs one scenario for one contender in a fresh worker process and returns its JSON result."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from .endpoints import ROOT
from .environments import python_for

WORKER_TIMEOUT = 600


def run_worker(
    contender: str,
    scenario: str,
    *,
    logs: Path,
    endpoint: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
    label: str = "",
) -> dict[str, Any]:
    """``{"outcome": "ok" | "wrong" | "n/a" | "error", ...figures}``; the worker's stderr goes to ``logs``."""
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / f"{scenario}{label}.{contender}.log"
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "result.json"
        spec = {"contender": contender, "scenario": scenario, "endpoint": endpoint, "params": params or {}}
        # The worker must find the reference package, not this checkout, by its name: no PYTHONPATH.
        env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        command = [str(python_for(contender)), "-m", "benchmarks.worker", json.dumps({**spec, "out": str(out)})]
        with open(log_path, "w") as log:
            try:
                subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=log, timeout=WORKER_TIMEOUT, check=False)
            except subprocess.TimeoutExpired:
                return {"outcome": "error", "reason": f"timed out after {WORKER_TIMEOUT} s (log: {log_path})"}
        if not out.exists():
            return {"outcome": "error", "reason": f"the worker wrote no result (log: {log_path})"}
        result: dict[str, Any] = json.loads(out.read_text())
        return result
