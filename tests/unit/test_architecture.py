"""What the import contracts do not say: pabutools (GPL) stays out of the package.

The layering itself (the core stays pure, adapters depend inward, OR-Tools only in the
solvers) is checked by import-linter: see [tool.importlinter] in pyproject.toml and
tests/unit/test_import_contracts.py.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "pbengine"


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_pabutools_never_imported_by_the_package() -> None:
    assert not [
        p for p in PACKAGE.rglob("*.py") if any(n.startswith("pabutools") for n in imports(p))
    ]
