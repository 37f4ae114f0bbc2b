"""Districts: where a voter lives, and what spending counts towards each district.

Spending in a district counts a project located there in full. A city-wide
project (no district) counts towards each district in proportion to its
supporters living there, the voter's `district` (or `neighborhood`)
attribute saying where that is: so a floor "in proportion to voters" can
bind a city-wide vote like Warsaw's, whose projects name no district.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from fractions import Fraction

from pbengine.core.election import Ballot, Election
from pbengine.core.fairness.bounds import SpendBound
from pbengine.core.fairness.errors import FairnessError
from pbengine.core.fairness.spec import FairnessSpec, RoundFacts
from pbengine.core.scoring import supporter_counts

# How the data says "not given".
_UNKNOWN = ("", "-", "none", "unknown")


def voter_district(ballot: Ballot) -> str | None:
    raw = ballot.attributes.get("district") or ballot.attributes.get("neighborhood") or ""
    return None if raw.strip().lower() in _UNKNOWN else raw.strip()


def district_bounds(
    spec: FairnessSpec, election: Election, facts: RoundFacts, notes: list[str]
) -> list[SpendBound]:
    """The spec's district floors and caps, in money; what they came to goes in `notes`."""
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
