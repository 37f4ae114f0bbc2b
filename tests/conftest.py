from __future__ import annotations

import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "pabulib"


def shared_elections() -> Path:
    """The 267 real elections beside the project, or a skip (a failure in CI) when absent."""
    if not SHARED.is_dir():
        reason = f"real elections not found at {SHARED} (they ship beside the project, not with it)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return SHARED


@pytest.fixture
def shared() -> Path:
    return shared_elections()
