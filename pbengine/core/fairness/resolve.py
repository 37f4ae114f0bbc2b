"""A FairnessSpec meets an election: amounts in money, groups of projects and voters.

Each kind of setting resolves in its own module: districts (districts.py),
support thresholds (thresholds.py), turnout weights (turnout.py) and outcome
shares (outcome_shares.py). Here they come together, and settings that no
result could meet are refused.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from pbengine.core.bundles import bundles
from pbengine.core.election import Election
from pbengine.core.fairness.bounds import SpendBound
from pbengine.core.fairness.districts import district_bounds
from pbengine.core.fairness.errors import FairnessError
from pbengine.core.fairness.outcome_shares import outcome_pools
from pbengine.core.fairness.spec import FairnessSpec, RoundFacts, bundle_conflict
from pbengine.core.fairness.thresholds import under_threshold, whole_bundles
from pbengine.core.fairness.turnout import turnout_weights
from pbengine.core.money import readable
from pbengine.core.pools import Pool

# FairnessError is defined in errors.py; callers import it from here too.
__all__ = ["NO_FACTS", "FairnessError", "Resolved", "resolve"]


@dataclass(frozen=True)
class Resolved:
    spec: FairnessSpec
    bounds: tuple[SpendBound, ...] = ()
    exclusive: tuple[frozenset[str], ...] = ()
    together: tuple[frozenset[str], ...] = ()
    """The together sets closed over overlap (bundles): each is funded whole or not at all."""
    ineligible: Mapping[str, str] = field(default_factory=dict)
    """Projects the support threshold rules out, with the reason; a bundle goes out whole."""
    voter_weights: Mapping[str, Fraction] | None = None
    group_weights: Mapping[str, Fraction] = field(default_factory=dict)
    """Turnout reweighting, per group: part of the record."""
    outcome_pools: tuple[Pool, ...] = ()
    notes: tuple[str, ...] = ()
    """What the constraints came to on this election, when it is not what they say."""


NO_FACTS = RoundFacts()


def resolve(spec: FairnessSpec, election: Election, facts: RoundFacts = NO_FACTS) -> Resolved:
    notes: list[str] = []
    bounds = [
        *district_bounds(spec, election, facts, notes),
        *_category_bounds(spec, election),
        *_proposer_bounds(spec, election),
    ]
    _check_bounds(bounds, election.budget)
    _check_floors_fit(bounds, election)
    _check_sets(spec, set(election.project_ids))
    together = bundles(spec.together)
    weights, group_weights = turnout_weights(spec, election, facts)
    return Resolved(
        spec=spec,
        bounds=tuple(bounds),
        exclusive=spec.exclusive,
        together=together,
        ineligible=whole_bundles(under_threshold(spec, election), together),
        voter_weights=weights,
        group_weights=group_weights,
        outcome_pools=outcome_pools(spec, election, facts),
        notes=tuple(notes),
    )


def _check_bounds(bounds: list[SpendBound], budget: Fraction) -> None:
    """Refuse a floor or cap above the budget, and a floor above its own cap."""
    for bound in bounds:
        for limit, name in ((bound.floor, "floor"), (bound.cap, "cap")):
            if limit is not None and limit > budget:
                raise FairnessError(
                    bound.key,
                    f"the {name} of {readable(limit)} for {bound.label} is above the budget "
                    f"of {readable(budget)}",
                )
        if bound.floor is not None and bound.cap is not None and bound.floor > bound.cap:
            raise FairnessError(
                bound.key, f"{bound.label} has a floor above its cap; no result can meet both"
            )


def _check_sets(spec: FairnessSpec, ids: set[str]) -> None:
    """Refuse exclusive and together sets naming unknown projects, or that no result can keep."""
    for key, groups in (("exclusive", spec.exclusive), ("together", spec.together)):
        for group in groups:
            unknown = sorted(group - ids)
            if unknown:
                raise FairnessError(key, f"unknown projects {', '.join(unknown)}")
    conflict = bundle_conflict(spec.exclusive, spec.together)
    if conflict is not None:
        raise FairnessError("together", conflict)


def _category_bounds(spec: FairnessSpec, election: Election) -> list[SpendBound]:
    names = list(dict.fromkeys([*spec.category_floors, *spec.category_caps]))
    bounds = []
    for name in names:
        members = {p.id: Fraction(1) for p in election.projects if name in p.categories}
        floor = spec.category_floors.get(name)
        cap = spec.category_caps.get(name)
        bounds.append(
            SpendBound(
                key=f"categories.{'floors' if floor else 'caps'}.{name}",
                label=f"category {name}",
                shares=members,
                floor=None if floor is None else floor.of(election.budget),
                cap=None if cap is None else cap.of(election.budget),
            )
        )
    return bounds


def _proposer_bounds(spec: FairnessSpec, election: Election) -> list[SpendBound]:
    if spec.proposer_cap is None:
        return []
    cap = spec.proposer_cap.of(election.budget)
    by_proposer: dict[str, dict[str, Fraction]] = defaultdict(dict)
    for p in election.projects:
        proposer = p.attributes.get("proposer", "").strip()
        if proposer:
            by_proposer[proposer][p.id] = Fraction(1)
    return [
        SpendBound(key="proposers.cap", label=f"proposer {name}", shares=members, cap=cap)
        for name, members in sorted(by_proposer.items())
    ]


def _check_floors_fit(bounds: list[SpendBound], election: Election) -> None:
    """Refuse floors that no result can meet together, whatever it funds.

    Districts cannot share spending: a city-wide project's cost is split among
    them by its supporters, never counted twice, so district floors adding up
    to more than the budget can never all be met, wherever the projects sit.
    Categories can share it: a project carrying two counts in full for each.
    Their floors are refused only when they ask for more than any affordable
    set could count towards them: the budget, plus the most that projects
    counted more than once could add on top (a fractional knapsack, an upper
    bound, so a refusal is a proof). A floor that only its own projects cannot
    reach is not refused: the result names its shortfall.
    """
    budget = election.budget
    for prefix in ("districts", "categories"):
        floors = [b for b in bounds if b.key.startswith(f"{prefix}.") and b.floor is not None]
        asked = sum((b.floor or Fraction(0) for b in floors), Fraction(0))
        if asked <= budget:
            continue
        extra = _counted_again(floors, election)
        if asked <= budget + extra:
            continue
        if not extra:
            raise FairnessError(
                prefix,
                f"floors add up to {readable(asked)}, more than the budget of {readable(budget)}",
            )
        raise FairnessError(
            prefix,
            f"floors add up to {readable(asked)}, more than any result can count towards "
            f"them: the budget of {readable(budget)}, plus at most {readable(extra)} for "
            "projects that count towards several of them",
        )


def _counted_again(floors: list[SpendBound], election: Election) -> Fraction:
    """The most an affordable set's costs can count beyond once, over these floors."""
    items = []
    for p in election.projects:
        times = sum((b.shares.get(p.id, Fraction(0)) for b in floors), Fraction(0))
        if times > 1 and p.cost <= election.budget and not p.withdrawn:
            items.append((times - 1, p.cost))
    extra, room = Fraction(0), election.budget
    for again, cost in sorted(items, reverse=True):
        taken = min(cost, room)
        extra += again * taken
        room -= taken
    return extra
