"""Ballot checks: a ballot is accepted exactly when it respects every limit."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pbengine.core.ballot_check import BallotError, check_ballot
from pbengine.core.election import BallotLimits, VoteType

COSTS = {"a": Fraction(10), "b": Fraction(25), "c": Fraction(40), "d": Fraction(5)}


def limits_strategy() -> st.SearchStrategy[BallotLimits]:
    maybe_int = st.none() | st.integers(0, 4)
    maybe_amount = st.none() | st.integers(0, 80).map(Fraction)
    return st.builds(
        BallotLimits,
        min_length=maybe_int,
        max_length=maybe_int,
        min_sum_cost=maybe_amount,
        max_sum_cost=maybe_amount,
        min_points=st.none() | st.integers(1, 5).map(Fraction),
        max_points=st.none() | st.integers(1, 5).map(Fraction),
        min_sum_points=maybe_amount,
        max_sum_points=maybe_amount,
    )


def violated(limits: BallotLimits, projects: list[str], points: list[Fraction]) -> set[str]:
    """Every limit the ballot breaks, worked out directly from the definitions."""
    n = len(projects)
    cost = sum((COSTS[p] for p in projects), Fraction(0))
    out = set()

    def below(value: Fraction, bound: object) -> bool:
        return bound is not None and value < bound  # type: ignore[operator]

    def above(value: Fraction, bound: object) -> bool:
        return bound is not None and value > bound  # type: ignore[operator]

    if below(Fraction(n), limits.min_length):
        out.add("min_length")
    if above(Fraction(n), limits.max_length):
        out.add("max_length")
    if below(cost, limits.min_sum_cost):
        out.add("min_sum_cost")
    if above(cost, limits.max_sum_cost):
        out.add("max_sum_cost")
    if any(below(x, limits.min_points) for x in points):
        out.add("min_points")
    if any(above(x, limits.max_points) for x in points):
        out.add("max_points")
    if below(sum(points, Fraction(0)), limits.min_sum_points):
        out.add("min_sum_points")
    if above(sum(points, Fraction(0)), limits.max_sum_points):
        out.add("max_sum_points")
    return out


@given(
    limits=limits_strategy(),
    chosen=st.lists(st.sampled_from(sorted(COSTS)), unique=True),
    data=st.data(),
)
def test_accepted_exactly_when_no_limit_is_broken(
    limits: BallotLimits, chosen: list[str], data: st.DataObject
) -> None:
    points = [Fraction(data.draw(st.integers(1, 6))) for _ in chosen]
    broken = violated(limits, chosen, points)
    if not broken:
        check_ballot(VoteType.CUMULATIVE, limits, COSTS, chosen, points)
        return
    with pytest.raises(BallotError) as refused:
        check_ballot(VoteType.CUMULATIVE, limits, COSTS, chosen, points)
    assert refused.value.field in broken


def test_projects_must_be_on_the_ballot_and_named_once() -> None:
    with pytest.raises(BallotError) as unknown:
        check_ballot(VoteType.APPROVAL, BallotLimits(), COSTS, ["a", "z"])
    assert (unknown.value.field, unknown.value.problem) == (
        "projects",
        "'z' is not a project on this ballot",
    )
    with pytest.raises(BallotError, match="named twice"):
        check_ballot(VoteType.APPROVAL, BallotLimits(), COSTS, ["a", "a"])


def test_points_belong_to_point_ballots_only() -> None:
    with pytest.raises(BallotError, match="gives no points"):
        check_ballot(VoteType.APPROVAL, BallotLimits(), COSTS, ["a"], [Fraction(1)])
    with pytest.raises(BallotError, match="points to each project"):
        check_ballot(VoteType.CUMULATIVE, BallotLimits(), COSTS, ["a", "b"], [Fraction(1)])
    with pytest.raises(BallotError, match="positive"):
        check_ballot(VoteType.SCORING, BallotLimits(), COSTS, ["a"], [Fraction(0)])


def test_choose_one_names_exactly_one() -> None:
    check_ballot(VoteType.CHOOSE_1, BallotLimits(), COSTS, ["c"])
    with pytest.raises(BallotError) as two:
        check_ballot(VoteType.CHOOSE_1, BallotLimits(), COSTS, ["a", "c"])
    assert two.value.field == "max_length"


def test_the_problem_names_the_amounts() -> None:
    with pytest.raises(BallotError) as dear:
        check_ballot(VoteType.APPROVAL, BallotLimits(max_sum_cost=Fraction(50)), COSTS, ["b", "c"])
    assert dear.value.problem == "total cost is 65, above the maximum of 50"
