"""Properties every rule must have, on random elections (hypothesis)."""

from __future__ import annotations

import random
from dataclasses import replace
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from pbengine.core.election import Election, VoteType
from pbengine.core.rules import RULES, RuleOptions, allocate
from pbengine.core.rules.approval_profile import Profile
from pbengine.core.rules.equal_shares import run
from pbengine.core.scoring import project_scores, supporter_counts
from pbengine.core.tiebreak import DEFAULT
from tests.elections import approval_elections, scored_elections
from tests.unit.test_equal_shares import stepwise_add1

GREEDY = [name for name in RULES if name.startswith("greedy")]
ALL = list(RULES)


@settings(max_examples=80, deadline=None)
@given(approval_elections(), st.sampled_from(ALL))
def test_never_over_budget_and_every_project_explained(election: Election, rule: str) -> None:
    outcome = allocate(election, rule)
    assert outcome.total_cost(election.costs()) <= spending_limit(election, outcome.selected, rule)
    assert [d.project_id for d in outcome.decisions] == list(election.project_ids)
    assert all(d.explanation for d in outcome.decisions)
    assert {d.project_id for d in outcome.decisions if d.funded} == set(outcome.selected)


@settings(max_examples=80, deadline=None)
@given(scored_elections(), st.sampled_from(GREEDY))
def test_greedy_rules_work_for_every_vote_type(election: Election, rule: str) -> None:
    outcome = allocate(election, rule)
    assert outcome.total_cost(election.costs()) <= spending_limit(election, outcome.selected, rule)


def spending_limit(election: Election, selected: tuple[str, ...], rule: str) -> Fraction:
    """The budget; for Poznań's reserve rule, plus at most 20% of the last project it funded."""
    if rule != "greedy-reserve" or not selected:
        return election.budget
    return election.budget + election.project(selected[-1]).cost * Fraction(1, 5)


@settings(max_examples=80, deadline=None)
@given(scored_elections())
def test_plain_greedy_is_exhaustive(election: Election) -> None:
    outcome = allocate(election, "greedy")
    left = election.budget - outcome.total_cost(election.costs())
    scores = project_scores(election)
    for p in election.projects:
        if p.id not in outcome.selected and scores[p.id] > 0 and not p.withdrawn:
            assert p.cost > left


@settings(max_examples=60, deadline=None)
@given(approval_elections(), st.sampled_from(ALL), st.randoms(use_true_random=False))
def test_independent_of_ballot_order(election: Election, rule: str, rnd: random.Random) -> None:
    ballots = list(election.ballots)
    rnd.shuffle(ballots)
    shuffled = replace(election, ballots=tuple(ballots))
    assert allocate(shuffled, rule).selected == allocate(election, rule).selected


@settings(max_examples=100, deadline=None)
@given(approval_elections(), st.sampled_from(["cost", "cardinality"]))
def test_mes_outcome_is_priceable(election: Election, utility: str) -> None:
    """Replay MES's own payments and check the priceability conditions C1-C5."""
    profile = Profile.of(election)
    ranks = tuple(DEFAULT.ranks(election)[pid] for pid in profile.project_ids)
    per_voter = Fraction(profile.budget, profile.voters * profile.scale)
    result = run(profile, per_voter, ranks, cost_utility=utility == "cost")
    money = [per_voter * profile.scale] * len(election.ballots)
    index = {pid: i for i, pid in enumerate(profile.project_ids)}
    approvals = [{index[p] for p in b.projects} for b in election.ballots]
    for funded in result.funded:
        rho = funded.rho * profile.scale
        paid = Fraction(0)
        for v, approved in enumerate(approvals):
            if funded.project in approved:  # C1: only supporters pay
                pay = min(money[v], rho)
                money[v] -= pay
                paid += pay
        assert paid == profile.costs[funded.project]  # C3: payments cover the cost exactly
    assert all(m >= 0 for m in money)  # C2: nobody pays more than they had
    taken = set(result.selected)
    for c, cost in enumerate(profile.costs):
        if c not in taken and cost > 0:  # C5: no unfunded project is affordable by its supporters
            assert sum(m for v, m in enumerate(money) if c in approvals[v]) < cost or not any(
                c in a for a in approvals
            )


@settings(max_examples=400, deadline=None)
@given(approval_elections(max_projects=6, max_voters=10), st.sampled_from(["cost", "cardinality"]))
def test_add1_horizon_skipping_equals_one_unit_steps(election: Election, utility: str) -> None:
    profile = Profile.of(election)
    ranks = tuple(DEFAULT.ranks(election)[pid] for pid in profile.project_ids)
    if profile.voters == 0:
        return
    expected = stepwise_add1(profile, ranks, cost_utility=utility == "cost")
    outcome = allocate(election, "equalshares/add1", RuleOptions(utility=utility))
    free = [
        pid
        for pid, c in zip(profile.project_ids, profile.costs, strict=True)
        if c == 0 and pid in outcome.selected
    ]
    assert [pid for pid in outcome.selected if pid not in free] == [
        profile.project_ids[i] for i in expected
    ]


@settings(max_examples=40, deadline=None)
@given(approval_elections(), st.sampled_from(ALL))
def test_deterministic(election: Election, rule: str) -> None:
    assert allocate(election, rule) == allocate(election, rule)


@given(scored_elections())
def test_counts_over_distinct_lists_equal_counts_over_ballots(election: Election) -> None:
    """Support and approval scores are counted once per distinct list of projects
    (Election.ballot_lists): the same as counting every ballot, each naming a project once,
    even a ballot that names it twice."""
    naive = {p.id: 0 for p in election.projects}
    for ballot in election.ballots:
        for pid in set(ballot.projects):
            if pid in naive:
                naive[pid] += 1
    scored_by_count = election.vote_type in (VoteType.APPROVAL, VoteType.CHOOSE_1)
    assert sum(election.ballot_lists.values()) == len(election.ballots)
    assert supporter_counts(election) == naive
    if scored_by_count:
        assert project_scores(election) == naive
    repeated = replace(
        election,
        ballots=tuple(
            replace(b, projects=b.projects + b.projects[:1], points=None) if i % 2 else b
            for i, b in enumerate(election.ballots)
        ),
    )
    assert supporter_counts(repeated) == naive
    if scored_by_count:
        assert project_scores(repeated) == naive
    # Counted once per election: one with a ballot less is counted afresh.
    if election.ballots:
        fewer = replace(election, ballots=election.ballots[1:])
        assert sum(fewer.ballot_lists.values()) == len(election.ballots) - 1
