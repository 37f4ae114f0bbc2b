"""Without Chromium the browser tests skip, saying why; under CI=true they fail instead.

Runs pytest on the helper's tests in a subprocess with PBENGINE_CHROMIUM pointing at a
file that does not exist (so this test needs no browser itself).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.conftest import ROOT

pytestmark = pytest.mark.browser


def run_without_chromium(tmp_path: Path, ci: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env |= {
        "PBENGINE_CHROMIUM": str(tmp_path / "no-chromium"),
        "PBENGINE_SCREENSHOTS": str(tmp_path / "screenshots"),
    }
    if ci:
        env["CI"] = "true"
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rsf"]
    command += ["tests/browser/test_axe_helper.py"]
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("ci", [False, True], ids=["locally", "under-ci"])
def test_missing_chromium(tmp_path: Path, ci: bool) -> None:
    ran = run_without_chromium(tmp_path, ci)
    reason = f"no Chromium at {tmp_path / 'no-chromium'} (PBENGINE_CHROMIUM)"
    assert reason in ran.stdout, ran.stdout + ran.stderr
    if ci:
        assert ran.returncode == 1, ran.stdout
        assert "4 errors" in ran.stdout, ran.stdout
    else:
        assert ran.returncode == 0, ran.stdout
        assert "4 skipped" in ran.stdout, ran.stdout
