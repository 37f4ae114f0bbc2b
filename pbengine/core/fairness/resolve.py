"""A FairnessSpec meets an election: amounts in money, groups of projects and voters.

Spending in a district counts a project located there in full. A city-wide
project (no district) counts towards each district in proportion to its
supporters living there, the voter's `district` (or `neighborhood`)
attribute saying where that is: so a floor "in proportion to voters" can
bind a city-wide vote like Warsaw's, whose projects name no district.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from pbengine.core.election import Ballot, Election
from pbengine.core.fairness.bounds import SpendBound
from pbengine.core.fairness.spec import FairnessSpec, RoundFacts
from pbengine.core.money import readable
from pbengine.core.pools import Pool
from pbengine.core.scoring import project_scores, supporter_counts


class FairnessError(ValueError):
    """The constraints cannot apply to this election; `key` names the offending setting."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class Resolved:
    spec: FairnessSpec
    bounds: tuple[SpendBound, ...] = ()
    exclusive: tuple[frozenset[str], ...] = ()
    together: tuple[frozenset[str], ...] = ()
    ineligible: Mapping[str, str] = field(default_factory=dict)
    """Projects the support threshold rules out, with the reason."""
    voter_weights: Mapping[str, Fraction] | None = None
    group_weights: Mapping[str, Fraction] = field(default_factory=dict)
    """Turnout reweighting, per group: part of the record."""
    outcome_pools: tuple[Pool, ...] = ()


# How the data says "not given".
_UNKNOWN = ("", "-", "none", "unknown")


def voter_district(ballot: Ballot) -> str | None:
    raw = ballot.attributes.get("district") or ballot.attributes.get("neighborhood") or ""
    return None if raw.strip().lower() in _UNKNOWN else raw.strip()


NO_FACTS = RoundFacts()


def resolve(spec: FairnessSpec, election: Election, facts: RoundFacts = NO_FACTS) -> Resolved:
    budget = election.budget
    ids = set(election.project_ids)
    bounds = [
        *_district_bounds(spec, election, facts),
        *_category_bounds(spec, election),
        *_proposer_bounds(spec, election),
    ]
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
    _check_floors_fit(bounds, budget)
    for key, groups in (("exclusive", spec.exclusive), ("together", spec.together)):
        for group in groups:
            unknown = sorted(group - ids)
            if unknown:
                raise FairnessError(key, f"unknown projects {', '.join(unknown)}")
    for apart in spec.exclusive:
        for joined in spec.together:
            if len(apart & joined) > 1:
                raise FairnessError(
                    "together",
                    f"projects {', '.join(sorted(apart & joined))} must be funded together "
                    "and are mutually exclusive",
                )
    weights, group_weights = _turnout_weights(spec, election, facts)
    return Resolved(
        spec=spec,
        bounds=tuple(bounds),
        exclusive=spec.exclusive,
        together=spec.together,
        ineligible=_ineligible(spec, election),
        voter_weights=weights,
        group_weights=group_weights,
        outcome_pools=_outcome_pools(spec, election, facts),
    )


def _district_bounds(spec: FairnessSpec, election: Election, facts: RoundFacts) -> list[SpendBound]:
    budget = election.budget
    floors: dict[str, Fraction] = {}
    if spec.district_floor is not None:
        weights = _district_sizes(spec.district_floor, election, facts)
        total = sum(weights.values())
        if not total:
            raise FairnessError(
                "districts.floor", f"no district {spec.district_floor} to be proportional to"
            )
        for district, size in weights.items():
            floors[district] = spec.district_floor_share * budget * size / total
    for district, amount in spec.district_floors.items():
        floors[district] = amount.of(budget)
    caps = {d: a.of(budget) for d, a in spec.district_caps.items()}
    names = list(dict.fromkeys([*floors, *caps]))
    if not names:
        return []
    shares = district_shares(election, set(names))
    return [
        SpendBound(
            key=f"districts.{'floors' if d in floors else 'caps'}.{d}",
            label=f"district {d}",
            shares=shares[d],
            floor=floors.get(d),
            cap=caps.get(d),
        )
        for d in names
    ]


def _district_sizes(mode: str, election: Election, facts: RoundFacts) -> dict[str, Fraction]:
    if mode == "population":
        if not facts.district_populations:
            raise FairnessError("districts.floor", "no district populations are known")
        return {d: Fraction(n) for d, n in facts.district_populations.items()}
    counts = Counter(voter_district(b) for b in election.ballots)
    counts.pop(None, None)
    return {str(d): Fraction(n) for d, n in sorted(counts.items())}


def district_shares(election: Election, names: set[str]) -> dict[str, dict[str, Fraction]]:
    shares: dict[str, dict[str, Fraction]] = {d: {} for d in names}
    supporters: dict[str, Counter[str]] = defaultdict(Counter)
    for ballot in election.ballots:
        home = voter_district(ballot)
        if home is not None:
            for pid in set(ballot.projects):
                supporters[pid][home] += 1
    counts = supporter_counts(election)
    for p in election.projects:
        if p.district is not None:
            if p.district in names:
                shares[p.district][p.id] = Fraction(1)
        elif counts[p.id]:
            for d in names:
                if supporters[p.id][d]:
                    shares[d][p.id] = Fraction(supporters[p.id][d], counts[p.id])
    return shares


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


def _check_floors_fit(bounds: list[SpendBound], budget: Fraction) -> None:
    """Floors over disjoint groups of whole projects cannot ask for more than the budget."""
    for prefix in ("districts", "categories"):
        floors = [b for b in bounds if b.key.startswith(prefix) and b.floor is not None]
        whole = all(s == 1 for b in floors for s in b.shares.values())
        sets = [set(b.shares) for b in floors]
        disjoint = sum(len(s) for s in sets) == len(set().union(*sets)) if sets else True
        asked = sum((b.floor or Fraction(0) for b in floors), Fraction(0))
        if whole and disjoint and asked > budget:
            raise FairnessError(
                prefix,
                f"floors add up to {readable(asked)}, more than the budget of {readable(budget)}",
            )


def _ineligible(spec: FairnessSpec, election: Election) -> dict[str, str]:
    if spec.min_votes is None and spec.min_voter_share is None:
        return {}
    scores = project_scores(election)
    needed = max(
        spec.min_votes or Fraction(0),
        (spec.min_voter_share or Fraction(0)) * len(election.ballots),
    )
    return {
        p.id: (
            f"not funded: {readable(scores[p.id])} votes, under the support threshold of "
            f"{readable(needed)}"
        )
        for p in election.projects
        if scores[p.id] < needed
    }


def _turnout_weights(
    spec: FairnessSpec, election: Election, facts: RoundFacts
) -> tuple[dict[str, Fraction] | None, dict[str, Fraction]]:
    """Each group's ballots weigh (population share) / (turnout share); others weigh 1."""
    if spec.reweight_by is None:
        return None, {}
    population = spec.reweight_population
    if population is None:
        population = {d: Fraction(n) for d, n in facts.district_populations.items()}
    if not population or not sum(population.values()):
        raise FairnessError("reweighting.population", "no population to reweight towards")

    def group(ballot: Ballot) -> str | None:
        return ballot.attributes.get(spec.reweight_by or "") or None

    turnout = Counter(g for b in election.ballots if (g := group(b)) in population)
    counted = sum(turnout.values())
    total = sum(population.values())
    group_weights = {
        g: (population[g] / total) / Fraction(turnout[g], counted)
        for g in sorted(population)
        if turnout[g]
    }
    weights = {b.voter_id: group_weights.get(group(b) or "", Fraction(1)) for b in election.ballots}
    return weights, group_weights


def _outcome_pools(spec: FairnessSpec, election: Election, facts: RoundFacts) -> tuple[Pool, ...]:
    """Each outcome's share of the budget; a project competes in its first outcome's pool."""
    shares = spec.outcome_shares
    if shares is None:
        return ()
    keys = facts.outcome_keys
    if not keys:
        raise FairnessError("outcome_shares", "the round has no outcome priorities")
    if shares.floor * len(keys) > 1:
        raise FairnessError(
            "outcome_shares.floor",
            f"{len(keys)} outcomes with a floor of {float(shares.floor):.0%} each ask for more "
            "than the whole budget",
        )
    votes: dict[str, Fraction] = dict.fromkeys(keys, Fraction(0))
    for ranking in facts.outcome_votes:
        for place, key in enumerate(ranking):
            if key in votes:
                votes[key] += Fraction(len(keys) - 1 - place) if shares.by == "borda" else 1
    total = sum(votes.values())
    rest = 1 - shares.floor * len(keys)
    pools = []
    for key in keys:
        part = votes[key] / total if total else Fraction(1, len(keys))
        members = frozenset(p.id for p in election.projects if p.outcomes[:1] == (key,))
        pools.append(
            Pool(f"outcome {key}", election.budget * (shares.floor + rest * part), members)
        )
    return tuple(pools)
