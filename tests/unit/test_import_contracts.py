"""The import contracts in pyproject.toml hold, and each one fails on a wrong import.

`lint-imports` (import-linter) checks the layering; here it runs once on the package as
it is, and once on a copy with a wrong import added for every contract, to prove the
contracts bite rather than pass on a misspelt module name.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "pyproject.toml"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

CORE_IS_PURE = "pbengine.core imports no framework, no adapter and nothing for files"
LAYERS = "Layers: cli | api > service > store | formats > core"
ORTOOLS = "Only pbengine.core.rules.solvers imports OR-Tools"

# Each wrong import: the module it goes in, its one line, the contract it breaks and how
# lint-imports reports it.
WRONG = {
    "core/rules/wrong_sql.py": (
        "import sqlalchemy\n",
        CORE_IS_PURE,
        "pbengine.core.rules.wrong_sql -> sqlalchemy (l.1)",
    ),
    "core/wrong_layer.py": (
        "from pbengine.service import errors\n",
        LAYERS,
        "pbengine.core.wrong_layer -> pbengine.service.errors (l.1)",
    ),
    "formats/wrong_solver.py": (
        "from ortools.sat.python import cp_model\n",
        ORTOOLS,
        "pbengine.formats.wrong_solver -> ortools (l.1)",
    ),
}


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports with the project's configuration, on the package found from `cwd`."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(CONFIG), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def broken_contracts(report: str) -> dict[str, str]:
    """Each broken contract's name and what lint-imports says about it."""
    lines = report.split("Broken contracts", 1)[1].splitlines()
    sections: dict[str, str] = {}
    name = None
    for line, underline in zip(lines, [*lines[1:], ""], strict=True):
        if line and underline == "-" * len(line):
            name = line
            sections[name] = ""
        elif name is not None and set(line) != {"-"}:
            sections[name] += line + "\n"
    return sections


def test_the_package_keeps_every_contract() -> None:
    run = lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_every_contract_fails_on_a_wrong_import(tmp_path: Path) -> None:
    package = tmp_path / "pbengine"
    shutil.copytree(ROOT / "pbengine", package, ignore=shutil.ignore_patterns("__pycache__"))
    for module, (line, _, _) in WRONG.items():
        (package / module).write_text(line, encoding="utf-8")
    # A module directly under pbengine/ that no layer names.
    (package / "unplaced.py").write_text("", encoding="utf-8")

    # lint-imports puts its working directory first on sys.path: it analyses the copy.
    run = lint_imports(tmp_path)

    assert run.returncode == 1, run.stdout + run.stderr
    assert "Contracts: 0 kept, 3 broken." in run.stdout
    broken = broken_contracts(run.stdout)
    assert set(broken) == {CORE_IS_PURE, LAYERS, ORTOOLS}
    for _, contract, reported in WRONG.values():
        assert reported in broken[contract], (contract, broken[contract])
    assert "pbengine.unplaced" in broken[LAYERS]
