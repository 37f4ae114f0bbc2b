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
from pbengine.core.fairness.spec import FairnessSpec, RoundFacts, bundle_conflict, bundles
from pbengine.core.money import readable
from pbengine.core.pools import Pool
from pbengine.core.scoring import supporter_counts


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
    """The together sets closed over overlap (bundles): each is funded whole or not at all."""
    ineligible: Mapping[str, str] = field(default_factory=dict)
    """Projects the support threshold rules out, with the reason; a bundle goes out whole."""
    voter_weights: Mapping[str, Fraction] | None = None
    group_weights: Mapping[str, Fraction] = field(default_factory=dict)
    """Turnout reweighting, per group: part of the record."""
    outcome_pools: tuple[Pool, ...] = ()
    notes: tuple[str, ...] = ()
    """What the constraints came to on this election, when it is not what they say."""


# How the data says "not given".
_UNKNOWN = ("", "-", "none", "unknown")


def voter_district(ballot: Ballot) -> str | None:
    raw = ballot.attributes.get("district") or ballot.attributes.get("neighborhood") or ""
    return None if raw.strip().lower() in _UNKNOWN else raw.strip()


NO_FACTS = RoundFacts()


def resolve(spec: FairnessSpec, election: Election, facts: RoundFacts = NO_FACTS) -> Resolved:
    budget = election.budget
    ids = set(election.project_ids)
    notes: list[str] = []
    bounds = [
        *_district_bounds(spec, election, facts, notes),
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
    _check_floors_fit(bounds, election)
    for key, groups in (("exclusive", spec.exclusive), ("together", spec.together)):
        for group in groups:
            unknown = sorted(group - ids)
            if unknown:
                raise FairnessError(key, f"unknown projects {', '.join(unknown)}")
    conflict = bundle_conflict(spec.exclusive, spec.together)
    if conflict is not None:
        raise FairnessError("together", conflict)
    together = bundles(spec.together)
    weights, group_weights = _turnout_weights(spec, election, facts)
    return Resolved(
        spec=spec,
        bounds=tuple(bounds),
        exclusive=spec.exclusive,
        together=together,
        ineligible=_whole_bundles(_ineligible(spec, election), together),
        voter_weights=weights,
        group_weights=group_weights,
        outcome_pools=_outcome_pools(spec, election, facts),
        notes=tuple(notes),
    )


def _district_bounds(
    spec: FairnessSpec, election: Election, facts: RoundFacts, notes: list[str]
) -> list[SpendBound]:
    budget = election.budget
    floors: dict[str, Fraction] = {}
    if spec.district_floor is not None:
        weights = _district_sizes(spec.district_floor, election, facts)
        total = sum(weights.values())
        if not total and spec.district_floor == "voters":
            # Every district's share of no located voter is nothing. Refusing would leave
            # a round whose settings are frozen with no result at all.
            notes.append(
                "district floors in proportion to voters: no voter named a district, so no "
                "district has a floor"
            )
        elif not total:
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


def _ineligible(spec: FairnessSpec, election: Election) -> dict[str, str]:
    """Projects named by fewer voters than the threshold asks, whatever the ballot type.

    A threshold is on people: `min_share` is a share of the voters, and
    `min_votes` counts voters too, as pabulib's `votes` column does (the
    supporters), not points (its `score`).
    """
    if spec.min_votes is None and spec.min_voter_share is None:
        return {}
    supporters = supporter_counts(election)
    voters = len(election.ballots)
    by_votes = spec.min_votes or Fraction(0)
    by_share = (spec.min_voter_share or Fraction(0)) * voters
    needed = max(by_votes, by_share)
    threshold = f"{readable(needed)} {_supporters(needed)}"
    if spec.min_voter_share is not None and by_share >= by_votes:
        share = f"{float(spec.min_voter_share * 100):g}%"
        threshold += f" ({share} of {voters:,} voters)"
    return {
        p.id: (
            f"not funded: {supporters[p.id]:,} {_supporters(Fraction(supporters[p.id]))}, "
            f"under the support threshold of {threshold}"
        )
        for p in election.projects
        if supporters[p.id] < needed
    }


def _supporters(count: Fraction) -> str:
    return "supporter" if count == 1 else "supporters"


def _whole_bundles(
    ineligible: dict[str, str], together: tuple[frozenset[str], ...]
) -> dict[str, str]:
    """A project that may not be funded takes its bundle with it."""
    out = dict(ineligible)
    for bundle in together:
        ruled_out = sorted(m for m in bundle if m in ineligible)
        if ruled_out:
            for member in sorted(bundle - ineligible.keys()):
                out[member] = (
                    f"not funded: it must be funded together with project {ruled_out[0]}, "
                    "which is under the support threshold"
                )
    return out


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
