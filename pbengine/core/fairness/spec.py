"""What a council asks of an allocation, before it meets an election.

Amounts are either absolute or a share of the budget ("25%"); a floor "in
proportion to population" (or to voters) gives each district that share of
the budget, scaled by `district_floor_share`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction

from pbengine.core.bundles import bundles


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
        return bool(self.by_kind())

    def by_kind(self) -> dict[str, FairnessSpec]:
        """Each kind of rule the spec declares, on its own (kinds declared nothing of: absent)."""
        bare = FairnessSpec(self.rule)
        kinds = {
            "floors": replace(
                bare,
                district_floor=self.district_floor,
                district_floor_share=self.district_floor_share
                if self.district_floor is not None
                else Fraction(1),
                district_floors=self.district_floors,
                category_floors=self.category_floors,
            ),
            "caps": replace(
                bare,
                district_caps=self.district_caps,
                category_caps=self.category_caps,
                proposer_cap=self.proposer_cap,
            ),
            "thresholds": replace(
                bare, min_votes=self.min_votes, min_voter_share=self.min_voter_share
            ),
            "sets": replace(bare, exclusive=self.exclusive, together=self.together),
            "reweighting": replace(
                bare, reweight_by=self.reweight_by, reweight_population=self.reweight_population
            ),
            "outcome_shares": replace(bare, outcome_shares=self.outcome_shares),
        }
        return {kind: spec for kind, spec in kinds.items() if spec != bare}


def bundle_conflict(
    exclusive: Iterable[frozenset[str]], together: Iterable[frozenset[str]]
) -> str | None:
    """Why no result can keep both the exclusive and the together sets; None if one can."""
    declared = list(together)
    for bundle in bundles(declared):
        for group in exclusive:
            both = sorted(bundle & group)
            if len(both) > 1:
                joining = [f"[{', '.join(sorted(g))}]" for g in declared if g <= bundle]
                through = (
                    f"the together set {joining[0]} joins them"
                    if len(joining) == 1
                    else f"the together sets {_names(joining)} join them"
                )
                return (
                    f"projects {_names(both)} must be funded together ({through}) and are "
                    f"mutually exclusive (the exclusive set [{', '.join(sorted(group))}])"
                )
    return None


def _names(ids: list[str]) -> str:
    return ids[0] if len(ids) == 1 else f"{', '.join(ids[:-1])} and {ids[-1]}"


@dataclass(frozen=True)
class RoundFacts:
    """What the round knows beyond its election: districts' populations, outcome votes."""

    district_populations: Mapping[str, int] = field(default_factory=dict)
    outcome_keys: tuple[str, ...] = ()
    outcome_votes: tuple[tuple[str, ...], ...] = ()
