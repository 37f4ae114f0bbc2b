"""District pools: each district's projects compete for that district's budget alone."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pbengine.core.election import Ballot, Election, Project, VoteType
from pbengine.core.pools import CITY_WIDE, PoolError, allocate_in_pools, district_pools
from pbengine.core.rules import allocate


def project(pid: str, cost: int, district: str = "") -> Project:
    attributes = {"district": district} if district else {}
    return Project(pid, Fraction(cost), attributes)


def election(projects: list[Project], ballots: list[tuple[str, ...]], budget: int) -> Election:
    return Election(
        budget=Fraction(budget),
        vote_type=VoteType.APPROVAL,
        projects=tuple(projects),
        ballots=tuple(Ballot(f"v{i}", b) for i, b in enumerate(ballots)),
    )


def test_a_district_spends_only_its_own_budget() -> None:
    # North has 50: its two projects (30 and 30) cannot both be funded there, though the
    # round's 100 would pay for both; the city-wide pool (100 - 50 = 50) funds c.
    e = election(
        [project("n1", 30, "North"), project("n2", 30, "North"), project("c", 50)],
        [("n1", "n2"), ("n1",), ("n2", "c")],
        budget=100,
    )
    pools = district_pools(e, {"North": Fraction(50)})
    assert [(p.name, p.budget, sorted(p.projects)) for p in pools] == [
        ("North", Fraction(50), ["n1", "n2"]),
        (CITY_WIDE, Fraction(50), ["c"]),
    ]
    outcome = allocate_in_pools(e, pools, lambda sub: allocate(sub, "greedy"))
    assert outcome.selected == ("n1", "c")
    assert outcome.decision("n2").explanation.startswith("[North pool of 50]")
    assert not outcome.decision("n2").funded
    # Without pools greedy funds both North projects, and then c no longer fits.
    assert allocate(e, "greedy").selected == ("n1", "n2")


def test_district_budgets_cannot_exceed_the_round() -> None:
    e = election([project("a", 1, "North")], [("a",)], budget=10)
    with pytest.raises(PoolError, match="more than the round's budget"):
        district_pools(e, {"North": Fraction(6), "South": Fraction(5)})


@settings(max_examples=60, deadline=None)
@given(
    costs=st.lists(st.integers(1, 40), min_size=1, max_size=7),
    districts=st.data(),
    rule=st.sampled_from(["greedy", "equalshares/add1", "max-welfare", "phragmen"]),
)
def test_no_pool_overspends(costs: list[int], districts: st.DataObject, rule: str) -> None:
    names = ["North", "South", ""]
    projects = [
        project(f"p{i}", c, districts.draw(st.sampled_from(names))) for i, c in enumerate(costs)
    ]
    ids = [p.id for p in projects]
    ballots = districts.draw(
        st.lists(st.lists(st.sampled_from(ids), min_size=1, unique=True).map(tuple), max_size=8)
    )
    e = election(projects, ballots, budget=60)
    budgets = {"North": Fraction(districts.draw(st.integers(0, 30))), "South": Fraction(20)}
    pools = district_pools(e, budgets)
    outcome = allocate_in_pools(e, pools, lambda sub: allocate(sub, rule))
    assert [d.project_id for d in outcome.decisions] == ids
    for pool in pools:
        spent = sum(
            (p.cost for p in projects if p.id in outcome.selected and p.id in pool.projects),
            Fraction(0),
        )
        assert spent <= pool.budget
