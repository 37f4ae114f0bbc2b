"""Properties of every rule under fairness constraints, on random small elections."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pbengine.core.bundles import bundles
from pbengine.core.election import Ballot, Election, Project, VoteType
from pbengine.core.fairness.enforce import allocate_fairly
from pbengine.core.fairness.resolve import FairnessError
from pbengine.core.fairness.spec import Amount, FairnessSpec
from pbengine.core.money import readable
from pbengine.core.scoring import supporter_counts

DISTRICTS = ["North", "South", ""]
CATEGORIES = ["green", "roads"]
PROPOSERS = ["Big Org", "Residents", ""]
RULES = ["greedy", "max-welfare", "equalshares/add1", "phragmen"]
VOTE_TYPES = [VoteType.APPROVAL, VoteType.ORDINAL, VoteType.CUMULATIVE]


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
        proposer = draw(st.sampled_from(PROPOSERS))
        if proposer:
            attributes["proposer"] = proposer
        projects.append(Project(pid, Fraction(draw(st.integers(1, 50))), attributes))
    vote_type = draw(st.sampled_from(VOTE_TYPES))
    chosen = draw(st.lists(st.lists(st.sampled_from(ids), min_size=1, unique=True), max_size=10))
    ballots = [
        Ballot(
            f"v{i}",
            tuple(named),
            tuple(Fraction(draw(st.integers(1, 9))) for _ in named)
            if vote_type is VoteType.CUMULATIVE
            else None,
            {"district": draw(st.sampled_from(DISTRICTS[:2]))},
        )
        for i, named in enumerate(chosen)
    ]
    election = Election(Fraction(100), vote_type, tuple(projects), tuple(ballots))
    amount = st.integers(0, 60).map(lambda v: Amount(Fraction(v)))
    pair = st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True).map(frozenset)
    # Three projects chained by two overlapping pairs: [a, b] and [b, c] fund all three.
    chain = (
        st.lists(st.sampled_from(ids), min_size=3, max_size=3, unique=True).map(
            lambda abc: [frozenset(abc[:2]), frozenset(abc[1:])]
        )
        if n >= 3
        else st.just([])
    )
    spec = FairnessSpec(
        rule=draw(st.sampled_from(RULES)),
        district_floors=draw(st.dictionaries(st.sampled_from(DISTRICTS[:2]), amount, max_size=1)),
        district_caps=draw(st.dictionaries(st.sampled_from(DISTRICTS[:2]), amount, max_size=1)),
        category_floors=draw(st.dictionaries(st.sampled_from(CATEGORIES), amount, max_size=1)),
        category_caps=draw(st.dictionaries(st.sampled_from(CATEGORIES), amount, max_size=1)),
        district_floor=draw(st.sampled_from([None, "voters"])),
        district_floor_share=Fraction(draw(st.integers(0, 4)), 4),
        min_votes=draw(st.sampled_from([None, Fraction(1), Fraction(2), Fraction(3)])),
        min_voter_share=draw(st.sampled_from([None, Fraction(1, 4), Fraction(1, 2)])),
        proposer_cap=draw(
            st.sampled_from([None, Amount(Fraction(30)), Amount(Fraction(1, 2), True)])
        ),
        exclusive=tuple(draw(st.lists(pair, max_size=1))),
        together=tuple(draw(st.one_of(st.lists(pair, max_size=1), chain))),
    )
    return election, spec


@settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
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
        # Caps are never passed; a floor not met is named with its exact shortfall.
        assert check.excess == 0, check
        if check.shortfall:
            named = (
                f"{check.label}: {readable(check.spend)} spent, {readable(check.shortfall)} short"
            )
            assert any(note.startswith(named) for note in fair.outcome.notes), (named, fair)
    assert fair.broken_sets == ()
    for group in spec.exclusive:
        assert len(group & chosen) <= 1
    for bundle in bundles(spec.together):
        assert bundle <= chosen or not bundle & chosen
    # A support threshold counts the voters naming a project, whatever the ballot.
    needed = max(
        spec.min_votes or Fraction(0), (spec.min_voter_share or Fraction(0)) * len(election.ballots)
    )
    supporters = supporter_counts(election)
    assert all(supporters[p] >= needed for p in chosen)
    again = allocate_fairly(election, spec)
    assert again.outcome == fair.outcome
