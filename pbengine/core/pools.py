"""Budgets carved into pools: each district's projects compete for that district's budget.

This is how Warsaw and most Polish cities run district budgets: every
district is a separate election over its own projects, and the city-wide
pool (what the district budgets leave of the total) funds the projects that
belong to no district with a budget of its own. Money left in one pool
stays there; it does not move to another.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from fractions import Fraction

from pbengine.core.election import Ballot, Election
from pbengine.core.money import readable
from pbengine.core.outcome import Decision, Outcome

CITY_WIDE = "city-wide"


class PoolError(ValueError):
    pass


@dataclass(frozen=True)
class Pool:
    name: str
    budget: Fraction
    projects: frozenset[str]


def district_pools(election: Election, district_budgets: Mapping[str, Fraction]) -> list[Pool]:
    """One pool per district with a budget, in the given order, then the city-wide pool."""
    carved = sum(district_budgets.values(), Fraction(0))
    if carved > election.budget:
        raise PoolError(
            f"district budgets add up to {readable(carved)}, "
            f"more than the round's budget of {readable(election.budget)}"
        )
    pools = [
        Pool(
            district,
            budget,
            frozenset(p.id for p in election.projects if p.district == district),
        )
        for district, budget in district_budgets.items()
    ]
    in_district = frozenset().union(*(pool.projects for pool in pools))
    rest = frozenset(p.id for p in election.projects if p.id not in in_district)
    pools.append(Pool(CITY_WIDE, election.budget - carved, rest))
    return pools


def allocate_in_pools(
    election: Election, pools: list[Pool], run: Callable[[Election], Outcome]
) -> Outcome:
    """Run the rule separately in each pool; one outcome, explained pool by pool."""
    selected: list[str] = []
    decided: dict[str, Decision] = {}
    notes: list[str] = []
    rule = ""
    for pool in pools:
        if not pool.projects:
            continue
        sub = pool_election(election, pool)
        outcome = run(sub)
        rule = outcome.rule
        selected.extend(outcome.selected)
        label = f"[{pool.name} pool of {readable(pool.budget)}]"
        for d in outcome.decisions:
            decided[d.project_id] = Decision(d.project_id, d.funded, f"{label} {d.explanation}")
        spent = outcome.total_cost(sub.costs())
        notes.append(
            f"{label} {len(sub.ballots)} ballots, funded {len(outcome.selected)} projects "
            f"for {readable(spent)}"
        )
        notes.extend(f"{label} {note}" for note in outcome.notes)
    decisions = tuple(decided[pid] for pid in election.project_ids)
    return Outcome(rule, election.budget, tuple(selected), decisions, tuple(notes))


def pool_election(election: Election, pool: Pool) -> Election:
    ballots = tuple(
        restricted
        for ballot in election.ballots
        if (restricted := _restrict(ballot, pool.projects)) is not None
    )
    return replace(
        election,
        budget=pool.budget,
        projects=tuple(p for p in election.projects if p.id in pool.projects),
        ballots=ballots,
        exclusive_sets=tuple(
            group & pool.projects for group in election.exclusive_sets if group & pool.projects
        ),
    )


def _restrict(ballot: Ballot, projects: frozenset[str]) -> Ballot | None:
    """The part of a ballot about these projects; None if it names none of them."""
    keep = [i for i, p in enumerate(ballot.projects) if p in projects]
    if not keep:
        return None
    points = None if ballot.points is None else tuple(ballot.points[i] for i in keep)
    return replace(ballot, projects=tuple(ballot.projects[i] for i in keep), points=points)
