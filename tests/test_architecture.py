"""The package's shape, held by a test: imports go one way (no cycle, function-level and
type-checking imports counted), and no production module imports the testing package (it registers itself instead)."""

from __future__ import annotations

import ast
from pathlib import Path

import django_backblaze_b2

PACKAGE = Path(django_backblaze_b2.__file__).parent
NAME = "django_backblaze_b2"


def module_name(path: Path) -> str:
    parts = [NAME, *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imports_of(module: str) -> set[str]:
    """Every module of the package that ``module`` imports, at module level, in a function, or for
    type checkers only (``if TYPE_CHECKING:``): a cycle through annotations is a cycle of ideas too."""
    path = MODULES[module]
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
                target = ".".join(base[: len(base) - node.level + 1] + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            submodules = {f"{target}.{alias.name}" for alias in node.names} & MODULES.keys()
            # "from . import x" of a submodule x depends on x, not on the package's __init__.
            found |= submodules or ({target} & MODULES.keys())
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names} & MODULES.keys()
    return found - {module}


GRAPH = {module: imports_of(module) for module in MODULES}


def test_the_graph_sees_imports() -> None:
    assert "django_backblaze_b2.client" in GRAPH["django_backblaze_b2.storage.core"]
    assert "django_backblaze_b2.client" in GRAPH["django_backblaze_b2.testing"]


def test_no_import_cycle() -> None:
    cycles: list[list[str]] = []
    state: dict[str, str] = {}  # "open" while on the path, "done" after

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for imported in sorted(GRAPH[module]):
            if state.get(imported) == "open":
                cycles.append([*path[path.index(imported) :], imported])
            elif imported not in state:
                visit(imported, [*path, imported])
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_no_production_module_imports_the_testing_package() -> None:
    production = {module for module in GRAPH if not module.startswith(f"{NAME}.testing")}
    importers = {module: sorted(GRAPH[module]) for module in production if any("testing" in m for m in GRAPH[module])}
    assert importers == {}
