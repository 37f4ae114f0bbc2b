from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from pbengine.core.election import Ballot, Election, Project, VoteType
from pbengine.core.rules import allocate
from pbengine.core.scoring import project_scores
from tests.elections import approval

# a: 3 votes, b: 2 votes, c: 1 vote; costs 6, 5, 4; budget 10.
ABC = approval(10, {"a": 6, "b": 5, "c": 4}, ["abc", "ab", "a"])


def test_greedy_skips_what_does_not_fit() -> None:
    outcome = allocate(ABC, "greedy")
    assert outcome.selected == ("a", "c")
    assert outcome.decision("b").explanation.startswith("not funded: 4 left, costs 5")
    assert outcome.decision("a").explanation.startswith("funded: 3 votes, 1st highest")


def test_no_skip_stops_at_first_misfit() -> None:
    outcome = allocate(ABC, "greedy-no-skip")
    assert outcome.selected == ("a",)
    assert "stops at the first project" in outcome.decision("b").explanation
    assert outcome.decision("c").explanation.startswith(
        "not considered: the rule stopped at project b"
    )


def test_no_skip_passes_over_withdrawn_placeholder() -> None:
    election = approval(10, {"a": 6, "w": 999_999_999, "c": 4}, ["awc", "aw", "a"])
    assert allocate(election, "greedy-no-skip").selected == ("a", "c")


def test_threshold_is_inclusive() -> None:
    at_two = replace(ABC, score_threshold=Fraction(2))
    outcome = allocate(at_two, "greedy-threshold")
    assert outcome.selected == ("a",)
    assert "under the threshold of 2" in outcome.decision("c").explanation
    assert "threshold" not in outcome.decision("b").explanation  # 2 votes is enough


def test_exclusive_projects_never_both_win() -> None:
    election = replace(ABC, exclusive_sets=(frozenset({"a", "c"}),))
    outcome = allocate(election, "greedy-exclusive")
    assert outcome.selected == ("a",)
    assert "excludes project a" in outcome.decision("c").explanation


def test_reserve_funds_next_project_when_80_percent_is_left() -> None:
    # after a (6) there are 4 left; b costs 5 and 4 >= 0.8 * 5
    outcome = allocate(ABC, "greedy-reserve")
    assert outcome.selected == ("a", "b")
    assert outcome.decision("b").explanation.startswith("funded from reserves")
    assert outcome.decision("c").explanation.startswith("not considered")
    # with 3.9 left, not enough
    tighter = approval(10, {"a": 6, "b": 5, "c": 4}, ["abc", "ab", "a"])
    tighter = replace(tighter, budget=Fraction("9.9"))
    assert allocate(tighter, "greedy-reserve").selected == ("a",)


def test_equal_scores_keep_listed_order() -> None:
    election = approval(5, {"x": 5, "y": 5}, ["xy"])
    assert allocate(election, "greedy").selected == ("x",)
    swapped = replace(election, projects=tuple(reversed(election.projects)))
    assert allocate(swapped, "greedy").selected == ("y",)


def test_category_caps_then_leftover_pass() -> None:
    projects = (
        Project("g1", Fraction(5), {"category": "Green"}),
        Project("g2", Fraction(5), {"category": "Green"}),
        Project("y1", Fraction(3), {"category": "Youth"}),
    )
    ballots = tuple(Ballot(str(i), ("g1", "g2", "y1")[: 3 - i]) for i in range(3))
    election = Election(
        Fraction(14),
        VoteType.APPROVAL,
        projects,
        ballots,
        rule="greedy",
        meta={
            "categories": "Green,Youth",
            "budget_per_category": "6,10",
            "leftover_budget": "Fund additional projects that fit within leftover budget",
        },
    )
    capped = allocate(election, "greedy")
    # g2 breaks the Green cap of 6 in the first pass, then fits in the leftover pass.
    assert capped.selected == ("g1", "y1", "g2")
    assert capped.decision("g2").explanation.startswith("funded from the leftover budget")
    no_leftover = replace(
        election, meta={k: v for k, v in election.meta.items() if k != "leftover_budget"}
    )
    assert allocate(no_leftover, "greedy").selected == ("g1", "y1")
    assert (
        "category Green has 1 left of its cap"
        in allocate(no_leftover, "greedy").decision("g2").explanation
    )


def test_ordinal_scores_are_length_minus_position() -> None:
    election = Election(
        Fraction(10),
        VoteType.ORDINAL,
        (Project("a", Fraction(1)), Project("b", Fraction(1)), Project("c", Fraction(1))),
        (Ballot("1", ("a", "b", "c")), Ballot("2", ("c", "b")), Ballot("3", ("b",))),
    )
    assert project_scores(election) == {"a": 3, "b": 2 + 1 + 1, "c": 1 + 2}


def test_cumulative_scores_sum_points() -> None:
    election = Election(
        Fraction(10),
        VoteType.CUMULATIVE,
        (Project("a", Fraction(1)), Project("b", Fraction(1))),
        (Ballot("1", ("a", "b"), (Fraction(3), Fraction(1))), Ballot("2", ("b",), (Fraction(5),))),
    )
    assert project_scores(election) == {"a": 3, "b": 6}
