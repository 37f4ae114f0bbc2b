"""What a council asks of an allocation, before it meets an election.

Amounts are either absolute or a share of the budget ("25%"); a floor "in
proportion to population" (or to voters) gives each district that share of
the budget, scaled by `district_floor_share`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction


@dataclass(frozen=True)
class Amount:
    value: Fraction
    is_share: bool = False

    def of(self, budget: Fraction) -> Fraction:
        return self.value * budget if self.is_share else self.value


@dataclass(frozen=True)
class OutcomeShares:
    """Residents' outcome-priority votes split the budget: floor each, the rest by votes."""

    by: str = "borda"  # or "approvals"
    floor: Fraction = Fraction(0)


@dataclass(frozen=True)
class FairnessSpec:
    rule: str
    district_floor: str | None = None  # "population" or "voters"
    district_floor_share: Fraction = Fraction(1)
    district_floors: Mapping[str, Amount] = field(default_factory=dict)
    district_caps: Mapping[str, Amount] = field(default_factory=dict)
    category_floors: Mapping[str, Amount] = field(default_factory=dict)
    category_caps: Mapping[str, Amount] = field(default_factory=dict)
    min_votes: Fraction | None = None
    min_voter_share: Fraction | None = None
    proposer_cap: Amount | None = None
    reweight_by: str | None = None
    reweight_population: Mapping[str, Fraction] | None = None
    """Population per group; None: the round's district populations."""
    outcome_shares: OutcomeShares | None = None
    exclusive: tuple[frozenset[str], ...] = ()
    together: tuple[frozenset[str], ...] = ()

    @property
    def constrained(self) -> bool:
        """Whether anything beyond the bare rule is asked."""
        return self != FairnessSpec(self.rule)


@dataclass(frozen=True)
class RoundFacts:
    """What the round knows beyond its election: districts' populations, outcome votes."""

    district_populations: Mapping[str, int] = field(default_factory=dict)
    outcome_keys: tuple[str, ...] = ()
    outcome_votes: tuple[tuple[str, ...], ...] = ()
