"""What the pre-flight checks report (a Problem), and what names they check against."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    key: str
    """The setting at fault, as the fairness document names it (e.g. "districts.floors.North")."""
    problem: str
    fix: str
    """What the council can change."""


@dataclass(frozen=True)
class Declared:
    """What the round's configuration declares, for names a document must match."""

    districts: Sequence[str] = ()
    categories: Sequence[str] = ()


def listed(ids: Sequence[str], most: int = 8) -> str:
    """Project ids for a message: the first `most`, and how many more."""
    shown = ", ".join(ids[:most])
    return shown if len(ids) <= most else f"{shown} and {len(ids) - most} more"
