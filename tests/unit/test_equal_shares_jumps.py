"""The add1 completions jump over budgets and resume runs half-way; one-unit stepping with a
fresh run at every budget must give exactly the same result (hypothesis, many examples)."""

from __future__ import annotations

from fractions import Fraction
from math import floor

from hypothesis import given, settings
from hypothesis import strategies as st

from pbengine.core.election import Election
from pbengine.core.rules import RuleOptions, allocate
from pbengine.core.rules.approval_profile import Profile
from pbengine.core.rules.equal_shares import Run, Runner, run
from pbengine.core.tiebreak import DEFAULT
from tests.elections import approval_elections


def _setup(election: Election) -> tuple[Profile, tuple[int, ...]]:
    profile = Profile.of(election)
    ranks = tuple(DEFAULT.ranks(election)[pid] for pid in profile.project_ids)
    return profile, ranks


def _spent(profile: Profile, result: Run) -> int:
    return sum(profile.costs[i] for i in result.selected)


def stepping_add1(profile: Profile, ranks: tuple[int, ...], cost_utility: bool) -> Run:
    """add1 by its definition: floor(B/n), then one unit at a time, keep the last that fits."""
    per_voter = Fraction(floor(Fraction(profile.budget, profile.voters * profile.scale)))
    best = run(profile, per_voter, ranks, cost_utility=cost_utility)
    while set(best.selected) != profile.candidates():  # all funded: nothing can change
        per_voter += 1
        nxt = run(profile, per_voter, ranks, cost_utility=cost_utility)
        if _spent(profile, nxt) > profile.budget:
            break
        best = nxt
    return best


def stepping_exhaustive(profile: Profile, ranks: tuple[int, ...], cost_utility: bool) -> Run | None:
    """pabutools' voter_budget_increment=1: B/n, then one unit at a time; the first
    exhaustive outcome, or the last one before a raise overspends."""
    per_voter = Fraction(profile.budget, profile.voters * profile.scale)
    previous = None
    while True:
        current = run(profile, per_voter, ranks, cost_utility=cost_utility)
        spent = _spent(profile, current)
        if spent > profile.budget:
            return previous
        left = profile.budget - spent
        if not any(
            0 < profile.costs[i] <= left for i in profile.candidates() - set(current.selected)
        ):
            return current
        previous = current
        per_voter += 1


def _paid(profile: Profile, result: Run | None) -> list[tuple[str, Fraction]]:
    if result is None:
        return []
    return [(profile.project_ids[f.project], f.rho) for f in result.funded]


def _mes_payments(
    election: Election, rule: str, utility: str
) -> tuple[Fraction | None, list[tuple[str, Fraction]]]:
    outcome = allocate(election, rule, RuleOptions(utility=utility))
    prices = outcome.price_system
    if prices is None:
        return None, []
    costs = dict(election.costs())
    return prices.per_voter, [(pid, rho) for pid, rho in prices.payments if costs[pid] > 0]


@settings(max_examples=600, deadline=None)
@given(approval_elections(max_projects=7, max_voters=12), st.sampled_from(["cost", "cardinality"]))
def test_add1_jumps_give_the_stepping_run(election: Election, utility: str) -> None:
    profile, ranks = _setup(election)
    expected = stepping_add1(profile, ranks, utility == "cost")
    per_voter, payments = _mes_payments(election, "equalshares/add1", utility)
    assert (per_voter, payments) == (expected.per_voter, _paid(profile, expected))


@settings(max_examples=600, deadline=None)
@given(approval_elections(max_projects=7, max_voters=12), st.sampled_from(["cost", "cardinality"]))
def test_add1_exhaustive_jumps_give_the_stepping_run(election: Election, utility: str) -> None:
    profile, ranks = _setup(election)
    expected = stepping_exhaustive(profile, ranks, utility == "cost")
    per_voter, payments = _mes_payments(election, "equalshares/add1-exhaustive", utility)
    assert payments == _paid(profile, expected)
    assert per_voter == (None if expected is None else expected.per_voter)


@settings(max_examples=600, deadline=None)
@given(
    approval_elections(max_projects=7, max_voters=12),
    st.booleans(),
    st.lists(st.fractions(0, 40, max_denominator=7), min_size=1, max_size=8),
)
def test_resumed_runs_equal_fresh_runs(
    election: Election, cost_utility: bool, budgets: list[Fraction]
) -> None:
    """A Runner resumes each run from the last round provably unchanged: every run must
    equal a fresh one, and stay the same at any budget below its horizon."""
    profile, ranks = _setup(election)
    runner = Runner(profile, ranks, cost_utility=cost_utility)
    for per_voter in sorted(budgets):
        resumed = runner.run(per_voter)
        fresh = run(profile, per_voter, ranks, cost_utility=cost_utility)
        assert (resumed.per_voter, resumed.funded, resumed.dropped) == (
            fresh.per_voter,
            fresh.funded,
            fresh.dropped,
        )
        if resumed.horizon is not None:
            assert resumed.horizon >= per_voter
            below = per_voter + (resumed.horizon - per_voter) * Fraction(9, 10)
            later = run(profile, below, ranks, cost_utility=cost_utility)
            assert later.selected == resumed.selected
            assert [d.project for d in later.dropped] == [d.project for d in resumed.dropped]
