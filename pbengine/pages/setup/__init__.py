"""Council staff set up a round (from a fairness preset in rules/), watch its pre-flight
check, and move it through its phases (docs/pages.md). Messages: the `setup` domain."""

from __future__ import annotations

from pbengine.pages.setup.pages import SetupPages
from pbengine.pages.setup.phase import PhasePages

__all__ = ["PhasePages", "SetupPages"]
