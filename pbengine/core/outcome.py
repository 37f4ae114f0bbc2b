"""What a rule returns: the funded projects and, for every project, why."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from pbengine.core.election import Election


@dataclass(frozen=True, slots=True)
class Decision:
    project_id: str
    funded: bool
    explanation: str


@dataclass(frozen=True)
class PriceSystem:
    """How an Equal Shares run paid for what it funded: the record priceability is checked on."""

    per_voter: Fraction
    """The money every voter started with."""
    payments: tuple[tuple[str, Fraction], ...]
    """(project, equal payment rho) in funding order; a supporter with less than rho paid it all."""


@dataclass(frozen=True)
class Outcome:
    rule: str
    budget: Fraction
    selected: tuple[str, ...]
    """Funded project ids, in the order the rule funded them."""
    decisions: tuple[Decision, ...]
    """One decision per project of the election, in the election's project order."""
    notes: tuple[str, ...] = ()
    """Facts about the run as a whole (completion steps, solver status...)."""
    price_system: PriceSystem | None = None
    """Set by the Method of Equal Shares; None for rules that do not pay by voters' money."""

    def total_cost(self, costs: dict[str, Fraction]) -> Fraction:
        return sum((costs[pid] for pid in self.selected), Fraction(0))

    def decision(self, project_id: str) -> Decision:
        for d in self.decisions:
            if d.project_id == project_id:
                return d
        raise KeyError(project_id)


def assemble(
    election: Election,
    rule: str,
    selected: list[str],
    reasons: dict[str, str],
    notes: tuple[str, ...] = (),
    *,
    price_system: PriceSystem | None = None,
) -> Outcome:
    """Build an Outcome; every project must have a reason, so none goes unexplained."""
    funded = set(selected)
    missing = [pid for pid in election.project_ids if pid not in reasons]
    if missing:
        raise AssertionError(f"rule {rule} left projects unexplained: {missing}")
    decisions = tuple(Decision(pid, pid in funded, reasons[pid]) for pid in election.project_ids)
    return Outcome(rule, election.budget, tuple(selected), decisions, notes, price_system)
