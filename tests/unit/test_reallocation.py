"""Reallocating money released after the vote: next-in-order, rerun, carry."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pbengine.core.election import Election, Project
from pbengine.core.outcome import Outcome
from pbengine.core.reallocation import (
    REALLOCATION_RULES,
    Reallocation,
    ReallocationError,
    Release,
    reallocate,
    remaining_election,
)
from pbengine.core.reallocation.next_in_order import THRESHOLD_RULES
from pbengine.core.rules import RULES, UnknownRuleError, allocate, declared_rule
from pbengine.core.scoring import project_scores
from pbengine.formats.pabulib import read_file
from pbengine.verification import city_funded
from tests.elections import approval, approval_elections, scored_elections

# a: 4 votes, b: 3, c: 2, d: 1; costs 6, 5, 4, 3; budget 10: greedy funds a and c.
ABCD = approval(10, {"a": 6, "b": 5, "c": 4, "d": 3}, ["abcd", "abc", "abc", "a"])


def release_of(election: Election, rule: str, **kwargs: object) -> tuple[Release, Outcome]:
    outcome = allocate(election, rule)
    return Release(election, outcome, **kwargs), outcome  # type: ignore[arg-type]


def test_next_in_order_funds_what_fits_in_vote_order_and_explains_it() -> None:
    release, outcome = release_of(ABCD, "greedy", cancelled=("a",))
    assert outcome.selected == ("a", "c")
    result = reallocate(release, "next-in-order", "greedy")
    assert result.released == 6
    assert result.funded == ("b",)  # b (3 votes, 5) fits in 6; then d (1 vote, 3) does not
    assert result.carried == 1
    assert result.kept == ("c",)
    assert result.selected == ("c", "b")
    assert result.decision("b").funded
    assert result.decision("b").explanation == (
        "funded now: 3 votes, 1st in line of 2 not funded; costs 5 of the 6 released money left"
    )
    assert result.decision("d").explanation.startswith(
        "not funded: 1 of the released money left, costs 3"
    )
    assert result.decision("a").explanation.startswith("cancelled: nothing was spent on it")
    assert not result.decision("a").funded
    assert result.decision("c").funded


def test_released_money_is_cancelled_less_spent_plus_savings_not_the_leftover() -> None:
    release, outcome = release_of(
        ABCD,
        "greedy",
        cancelled=("a",),
        spent={"a": Fraction(5, 2)},
        actual_costs={"c": Fraction("3.75")},
    )
    assert ABCD.budget - outcome.total_cost(ABCD.costs()) == 0
    assert release.released == Fraction(6) - Fraction(5, 2) + Fraction(4) - Fraction("3.75")
    result = reallocate(release, "carry", "greedy")
    assert result.carried == release.released == Fraction(15, 4)
    assert result.decision("a").explanation.startswith("cancelled: 2.50 was spent, so 3.50")
    assert "delivered for 3.75 of the 4 allocated, so 0.25 is released" in (
        result.decision("c").explanation
    )
    leftover = approval(12, {"a": 6, "b": 5}, ["ab"])
    release, _ = release_of(leftover, "greedy", actual_costs={"a": Fraction(5)})
    assert release.released == 1  # not 1 + the vote's leftover of 6
    assert reallocate(release, "next-in-order", "greedy").funded == ()


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"cancelled": ("b",)}, "project b was not funded by the vote"),
        ({"cancelled": ("a", "a")}, "cancelled twice"),
        ({"actual_costs": {"a": Fraction(7)}}, "an overrun releases nothing"),
        ({"actual_costs": {"a": Fraction(-1)}}, "outside 0..6"),
        ({"cancelled": ("a",), "actual_costs": {"a": Fraction(5)}}, "both cancelled"),
        ({"spent": {"a": Fraction(1)}}, "not cancelled"),
        ({"cancelled": ("a",), "spent": {"a": Fraction(7)}}, "outside 0..6"),
    ],
)
def test_a_release_that_cannot_be_is_refused(kwargs: dict[str, object], problem: str) -> None:
    with pytest.raises(ReallocationError, match=problem):
        release_of(ABCD, "greedy", **kwargs)


def test_unknown_rules_are_refused() -> None:
    release, _ = release_of(ABCD, "greedy", cancelled=("a",))
    with pytest.raises(ReallocationError, match="next-in-order, rerun, carry"):
        reallocate(release, "lottery", "greedy")
    with pytest.raises(UnknownRuleError):
        reallocate(release, "rerun", "")


def test_rerun_keeps_every_voter_and_shares_the_released_money_equally() -> None:
    election = approval(12, {"a": 6, "b": 5, "c": 4}, ["a", "a", "ab", "c", "c", ""])
    release, outcome = release_of(election, "equalshares", cancelled=("a",))
    assert "a" in outcome.selected
    sub = remaining_election(release)
    assert sub.budget == release.released
    assert len(sub.ballots) == len(election.ballots)  # empty ballots kept
    assert [b.projects for b in sub.ballots][:3] == [(), (), ("b",)]
    assert sub.project_ids == release.unfunded
    result = reallocate(release, "rerun", "equalshares")
    assert result.notes[-1] == (
        f"rerun: every voter started with {Fraction(6, len(election.ballots))}"
    )
    for pid in release.unfunded:
        assert result.decision(pid).explanation.startswith(
            ("funded now (re-run of equalshares", "not funded now (re-run of equalshares")
        )


def test_a_project_whose_alternative_stays_funded_is_never_funded() -> None:
    election = replace(ABCD, exclusive_sets=(frozenset({"b", "c"}),))
    release, _ = release_of(election, "greedy", cancelled=("a",))
    for rule in ("next-in-order", "rerun"):
        result = reallocate(release, rule, "greedy")
        assert result.funded == ("d",)
        assert result.decision("b").explanation == (
            "not funded: it excludes project c, which stays funded"
        )
    assert "b" not in remaining_election(release).project_ids


def test_next_in_order_funds_at_most_one_of_a_set_of_alternatives() -> None:
    election = replace(ABCD, exclusive_sets=(frozenset({"b", "d"}),))
    release, _ = release_of(election, "greedy", cancelled=("a", "c"))
    result = reallocate(release, "next-in-order", "greedy")
    assert (result.released, result.funded) == (Fraction(10), ("b",))
    assert result.decision("d").explanation == (
        "not funded: it excludes project b, funded now first (1 votes, 2nd in line of 2 not funded)"
    )


def test_next_in_order_respects_the_threshold_only_where_the_rule_does() -> None:
    election = replace(ABCD, score_threshold=Fraction(2))
    release, _ = release_of(election, "greedy-threshold", cancelled=("c",))
    assert reallocate(release, "next-in-order", "greedy-threshold").funded == ()
    assert reallocate(release, "next-in-order", "greedy").funded == ("d",)
    result = reallocate(release, "next-in-order", "greedy-threshold")
    assert "1 votes is under the threshold of 2" in result.decision("d").explanation


def test_rerun_caps_are_what_each_category_has_left() -> None:
    def project(pid: str, cost: int, category: str) -> Project:
        return Project(pid, Fraction(cost), {"category": category})

    election = replace(
        approval(10, {}, ["abc", "abc", "ab", "c"]),
        projects=(project("a", 4, "green"), project("b", 3, "green"), project("c", 5, "sport")),
        meta={"categories": "green,sport", "budget_per_category": "5,5"},
    )
    release, outcome = release_of(election, "greedy", actual_costs={"a": Fraction(2)})
    assert outcome.selected == ("a", "c")  # b breaks the green cap
    assert remaining_election(release).meta["budget_per_category"] == "3,0"
    assert reallocate(release, "rerun", "greedy").funded == ()  # 2 released, b costs 3
    cheaper = replace(release, actual_costs={"a": Fraction(1), "c": Fraction(4)})
    assert reallocate(cheaper, "rerun", "greedy").funded == ("b",)


def test_rerun_of_the_reserve_rule_reports_what_it_takes_from_reserves() -> None:
    election = approval(10, {"a": 6, "b": 6}, ["ab", "ab", "a"])
    release, outcome = release_of(election, "greedy-reserve", actual_costs={"a": 1})
    assert outcome.selected == ("a",)  # the 4 left is under 80% of b's 6
    result = reallocate(release, "rerun", "greedy-reserve")
    assert result.funded == ("b",)  # the 5 released is at least 80% of 6
    assert (result.spent, result.carried, result.from_reserves) == (
        Fraction(6),
        Fraction(0),
        Fraction(1),
    )
    assert result.decision("b").explanation.startswith(
        "funded now (re-run of greedy-reserve with the 5 released): funded from reserves"
    )


# ---- properties over random elections ---------------------------------------------------


@st.composite
def releases(draw: st.DrawFn) -> tuple[Release, str]:
    rule = draw(st.sampled_from(list(RULES)))
    scored = rule.startswith("greedy") and draw(st.booleans())  # other rules take approvals
    election = draw(scored_elections() if scored else approval_elections())
    if draw(st.booleans()):
        election = replace(election, score_threshold=Fraction(draw(st.integers(0, 4))))
    outcome = allocate(election, rule)
    cancelled, spent, actual = [], {}, {}
    for pid in outcome.selected:
        cost = election.project(pid).cost
        part = Fraction(draw(st.integers(0, 100)), 100) * cost
        fate = draw(st.sampled_from(["kept", "cancelled", "spent", "cheaper"]))
        if fate in ("cancelled", "spent"):
            cancelled.append(pid)
        if fate == "spent":
            spent[pid] = part
        if fate == "cheaper":
            actual[pid] = part
    return Release(election, outcome, tuple(cancelled), spent, actual), rule


@settings(max_examples=300, deadline=None)
@given(releases(), st.sampled_from(REALLOCATION_RULES))
def test_every_rule_spends_only_the_released_money_on_projects_left(
    case: tuple[Release, str], rule: str
) -> None:
    release, round_rule = case
    result = reallocate(release, rule, round_rule)
    election = release.election
    expected = sum(
        (election.project(p).cost - release.spent.get(p, Fraction(0)) for p in release.cancelled),
        Fraction(0),
    ) + sum((election.project(p).cost - a for p, a in release.actual_costs.items()), Fraction(0))
    assert result.released == expected
    assert result.spent == sum((election.project(p).cost for p in result.funded), Fraction(0))
    assert result.carried >= 0
    assert result.spent - result.from_reserves + result.carried == result.released
    if result.from_reserves:
        assert (rule, round_rule) == ("rerun", "greedy-reserve")
    assert set(result.funded) <= set(election.project_ids) - set(release.outcome.selected)
    assert not set(result.funded) & set(release.cancelled)
    assert len(set(result.funded)) == len(result.funded)
    assert [d.project_id for d in result.decisions] == list(election.project_ids)
    assert all(d.explanation for d in result.decisions)
    assert {d.project_id for d in result.decisions if d.funded} == set(result.selected)
    if rule == "carry":
        assert (result.funded, result.carried) == ((), result.released)


@settings(max_examples=300, deadline=None)
@given(releases())
def test_next_in_order_leaves_nothing_that_fits(case: tuple[Release, str]) -> None:
    release, round_rule = case
    result = reallocate(release, "next-in-order", round_rule)
    election = release.election
    scores = project_scores(election)
    threshold = election.score_threshold if round_rule in THRESHOLD_RULES else 0
    for pid in release.unfunded:
        p = election.project(pid)
        if pid not in result.funded and scores[pid] > 0 and scores[pid] >= (threshold or 0):
            assert p.withdrawn or p.cost > result.carried


@settings(max_examples=100, deadline=None)
@given(releases(), st.sampled_from(REALLOCATION_RULES), st.randoms(use_true_random=False))
def test_the_same_release_gives_the_same_reallocation(
    case: tuple[Release, str], rule: str, rnd: random.Random
) -> None:
    release, round_rule = case
    first = reallocate(release, rule, round_rule)
    assert reallocate(release, rule, round_rule) == first
    cancelled, ballots = list(release.cancelled), list(release.election.ballots)
    rnd.shuffle(cancelled)
    rnd.shuffle(ballots)
    reordered = replace(
        release,
        election=replace(release.election, ballots=tuple(ballots)),
        cancelled=tuple(cancelled),
        actual_costs=dict(reversed(list(release.actual_costs.items()))),
    )
    assert reallocate(reordered, rule, round_rule) == first


# ---- the real election -----------------------------------------------------------------


def test_swiecie_2023_cancel_the_dearest_funded_project(shared: Path) -> None:
    election = read_file(shared / "Poland_Swiecie_2023.pb")
    rule = declared_rule(election)
    outcome = allocate(election, rule)
    assert rule == "equalshares/add1"
    assert set(outcome.selected) == city_funded(election, rule)
    dearest = max(outcome.selected, key=lambda pid: election.project(pid).cost)
    assert (dearest, election.project(dearest).cost) == ("c21", Fraction(291_000))
    release = Release(election, outcome, cancelled=(dearest,))
    results = {name: reallocate(release, name, rule) for name in REALLOCATION_RULES}
    for result in results.values():
        show(election, result)
        assert result.released == 291_000
        assert result.decision("c21").explanation.startswith("cancelled")
    assert results["next-in-order"].funded == by_hand_next_in_order(election, outcome, 291_000)
    assert results["next-in-order"].funded == ("c16", "c15")
    assert results["rerun"].funded == ("c16", "c15")
    assert results["carry"].funded == ()
    assert [r.carried for r in results.values()] == [61_000, 61_000, 291_000]
    assert results["next-in-order"].decision("c16").explanation == (
        "funded now: 279 votes, 3rd in line of 5 not funded; "
        "costs 150,000 of the 291,000 released money left"
    )
    assert results["next-in-order"].decision("c8").explanation == (
        "not funded: 291,000 of the released money left, costs 413,000 "
        "(623 votes, 1st in line of 5 not funded)"
    )
    assert "its 279 supporters each paid 537.63" in results["rerun"].decision("c16").explanation


def by_hand_next_in_order(
    election: Election, outcome: Outcome, money: Fraction | int
) -> tuple[str, ...]:
    """Approvals counted straight from the ballots; ties as MES breaks them (cheaper, more
    supporters, listed first; with approval ballots supporters are the votes)."""
    votes = Counter(pid for ballot in election.ballots for pid in set(ballot.projects))
    listed = {pid: i for i, pid in enumerate(election.project_ids)}
    left = [p for p in election.projects if p.id not in outcome.selected]
    left.sort(key=lambda p: (-votes[p.id], p.cost, listed[p.id]))
    funded = []
    for p in left:
        if votes[p.id] > 0 and p.cost <= money:
            funded.append(p.id)
            money -= p.cost
    return tuple(funded)


def show(election: Election, result: Reallocation) -> None:
    print(f"\n{result.rule}: released {result.released}, carried {result.carried}")
    for pid in result.funded:
        p = election.project(pid)
        print(f"  funds {pid} ({p.name}, {p.cost}): {result.decision(pid).explanation}")
    for note in result.notes:
        print(f"  note: {note}")
