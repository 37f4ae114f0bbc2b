"""Properties of every rule under fairness constraints, on random small elections."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pbengine.core.election import Ballot, Election, Project, VoteType
from pbengine.core.fairness.enforce import allocate_fairly
from pbengine.core.fairness.resolve import FairnessError
from pbengine.core.fairness.spec import Amount, FairnessSpec

DISTRICTS = ["North", "South", ""]
CATEGORIES = ["green", "roads"]


@st.composite
def cases(draw: st.DrawFn) -> tuple[Election, FairnessSpec]:
    n = draw(st.integers(2, 7))
    ids = [f"p{i}" for i in range(n)]
    projects = []
    for pid in ids:
        attributes = {"category": draw(st.sampled_from(CATEGORIES))}
        district = draw(st.sampled_from(DISTRICTS))
        if district:
            attributes["district"] = district
        projects.append(Project(pid, Fraction(draw(st.integers(1, 50))), attributes))
    ballots = [
        Ballot(f"v{i}", tuple(chosen), None, {"district": draw(st.sampled_from(DISTRICTS[:2]))})
        for i, chosen in enumerate(
            draw(st.lists(st.lists(st.sampled_from(ids), min_size=1, unique=True), max_size=10))
        )
    ]
    election = Election(Fraction(100), VoteType.APPROVAL, tuple(projects), tuple(ballots))
    amount = st.integers(0, 60).map(lambda v: Amount(Fraction(v)))
    pair = st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True).map(frozenset)
    spec = FairnessSpec(
        rule=draw(st.sampled_from(["greedy", "max-welfare", "equalshares/add1", "phragmen"])),
        district_floors=draw(st.dictionaries(st.sampled_from(DISTRICTS[:2]), amount, max_size=1)),
        district_caps=draw(st.dictionaries(st.sampled_from(DISTRICTS[:2]), amount, max_size=1)),
        category_floors=draw(st.dictionaries(st.sampled_from(CATEGORIES), amount, max_size=1)),
        category_caps=draw(st.dictionaries(st.sampled_from(CATEGORIES), amount, max_size=1)),
        district_floor=draw(st.sampled_from([None, "voters"])),
        district_floor_share=Fraction(draw(st.integers(0, 4)), 4),
        exclusive=tuple(draw(st.lists(pair, max_size=1))),
        together=tuple(draw(st.lists(pair, max_size=1))),
    )
    return election, spec


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_no_constraint_is_broken_silently(case: tuple[Election, FairnessSpec]) -> None:
    election, spec = case
    try:
        fair = allocate_fairly(election, spec)
    except FairnessError:
        return  # contradictory constraints are refused before any rule runs
    costs = election.costs()
    chosen = set(fair.outcome.selected)
    assert sum(costs[p] for p in chosen) <= election.budget
    assert len(chosen) == len(fair.outcome.selected)
    for check in fair.checks:
        # Caps are never passed; a floor not met is named with its shortfall.
        assert check.excess == 0, check
        if check.shortfall:
            assert any(check.label in note and "short" in note for note in fair.outcome.notes)
    assert fair.broken_sets == ()
    for group in spec.exclusive:
        assert len(group & chosen) <= 1
    for group in spec.together:
        assert group <= chosen or not group & chosen
    again = allocate_fairly(election, spec)
    assert again.outcome == fair.outcome
