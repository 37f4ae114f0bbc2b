"""The common commands load only what they run: no pydantic, no server stack, no solver.

Each command runs in a fresh interpreter, which then lists every module it loaded; a
top-level import of pydantic (a fairness document), SQLAlchemy or OR-Tools anywhere on
the command's path shows up here by name. How long start-up takes is bench/startup.py's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pbengine.core.fairness.errors import FairnessError
from pbengine.core.rules import UnknownRuleError
from pbengine.formats.pabulib import PabulibError
from pbengine.formats.presets import FairnessDocumentError
from pbengine.settings import SettingsError
from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[2]
ASSEN = str(FIXTURES / "Netherlands_Assen_2024.pb")
HEAVY = {
    "alembic",
    "babel",
    "cryptography",
    "jinja2",
    "litestar",
    "numpy",
    "ortools",
    "pandas",
    "psycopg",
    "pydantic",
    "pydantic_core",
    "sqlalchemy",
    "sqlmodel",
    "uvicorn",
}
# Runs the command line as `pbengine` would, its output discarded, then prints the exit
# code and every module the process holds.
PROBE = """
import contextlib, io, json, sys
from pbengine.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exit:
        code = exit.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def loaded_by(*args: str) -> set[str]:
    """The modules `pbengine ARGS` loaded; the command must succeed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PBENGINE_")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=env,
        cwd=ROOT,
    )
    result = json.loads(done.stdout)
    assert result["code"] == 0, done.stderr
    return set(result["modules"])


def heavy(modules: set[str]) -> list[str]:
    return sorted({m.split(".")[0] for m in modules} & HEAVY)


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["rules"], id="rules"),
        pytest.param(["allocate", ASSEN], id="allocate"),
        pytest.param(["allocate", "demo", "--json"], id="allocate-demo"),
        pytest.param(["verify", "--quiet", ASSEN], id="verify"),
    ],
)
def test_commands_on_files_load_no_heavy_package(args: list[str]) -> None:
    assert heavy(loaded_by(*args)) == []


def test_help_loads_no_rule_and_no_parser() -> None:
    modules = loaded_by("--help")
    assert heavy(modules) == []
    assert "pbengine.core.rules" not in modules
    assert "pbengine.formats.pabulib" not in modules


def test_a_fairness_document_loads_pydantic_where_it_is_used() -> None:
    # The probe sees pydantic when a command does need it: an empty list above is a finding.
    modules = loaded_by("allocate", ASSEN, "--fairness", "equal-shares")
    assert {"pydantic", "pbengine.formats.fairness_document"} <= modules
    assert "ortools" not in modules


def test_refusals_caught_as_value_errors_are_value_errors() -> None:
    # pbengine.cli.main catches these as ValueError, without importing them.
    for refusal in (PabulibError, UnknownRuleError, FairnessError, FairnessDocumentError):
        assert issubclass(refusal, ValueError)
    assert issubclass(SettingsError, ValueError)
