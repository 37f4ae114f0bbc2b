"""What a rule must respect beyond its budget: spending bounds, sets, ineligible projects."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction


@dataclass(frozen=True)
class SpendBound:
    """Spending counted over some projects must stay at or above a floor, or under a cap."""

    key: str  # the setting it comes from, e.g. "districts.floors.North"
    label: str  # for people, e.g. "district North"
    shares: Mapping[str, Fraction]
    """The part of each project's cost that counts here (1 for a project wholly in it)."""
    floor: Fraction | None = None
    cap: Fraction | None = None

    def spend(self, selected: Collection[str], costs: Mapping[str, Fraction]) -> Fraction:
        return sum((costs[p] * s for p, s in self.shares.items() if p in selected), Fraction(0))

    def room(self, selected: Collection[str], costs: Mapping[str, Fraction]) -> Fraction | None:
        """What is left under the cap; None without one."""
        return None if self.cap is None else self.cap - self.spend(selected, costs)


@dataclass(frozen=True)
class Constraints:
    """Everything a constrained rule (greedy, max-welfare) is given to respect."""

    scores: Mapping[str, Fraction] | None = None
    """Scores to rank or maximise (e.g. turnout-weighted); None: the election's own."""
    ineligible: Mapping[str, str] = field(default_factory=dict)
    """Projects that may not be funded, with the reason."""
    bounds: Sequence[SpendBound] = ()
    exclusive: Sequence[frozenset[str]] = ()
    together: Sequence[frozenset[str]] = ()
