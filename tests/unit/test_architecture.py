"""The core stays pure: the arrows point inward."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "pbengine"
CORE = PACKAGE / "core"
FORBIDDEN_IN_CORE = (
    "litestar",
    "sqlmodel",
    "sqlalchemy",
    "pydantic",
    "alembic",
    "pbengine.formats",
    "pbengine.cli",
    "pbengine.verification",
    "pathlib",
    "io",
    "csv",
)


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize(
    "module", sorted(CORE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_core_imports_no_adapter(module: Path) -> None:
    bad = {n for n in imports(module) for f in FORBIDDEN_IN_CORE if n == f or n.startswith(f + ".")}
    assert not bad, f"{module.name} imports {sorted(bad)}"


def test_only_the_solver_package_imports_ortools() -> None:
    users = [p for p in PACKAGE.rglob("*.py") if any(n.startswith("ortools") for n in imports(p))]
    assert users
    assert all(p.parent.name == "solvers" for p in users), users


def test_pabutools_never_imported_by_the_package() -> None:
    assert not [
        p for p in PACKAGE.rglob("*.py") if any(n.startswith("pabutools") for n in imports(p))
    ]
