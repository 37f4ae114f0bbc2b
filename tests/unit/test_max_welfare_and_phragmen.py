from __future__ import annotations

from dataclasses import replace
from itertools import combinations

from hypothesis import given, settings

from pbengine.core.election import Election
from pbengine.core.rules import allocate
from pbengine.core.scoring import project_scores
from tests.elections import approval, scored_elections

# a (6, 3 votes), b (5, 2 votes), c (5, 2 votes), budget 10. Greedy funds a alone
# (3 votes); the best affordable set is {b, c} (4 votes).
KNAPSACK = approval(10, {"a": 6, "b": 5, "c": 5}, ["abc", "abc", "a"])


def test_max_welfare_beats_greedy_on_a_knapsack() -> None:
    assert allocate(KNAPSACK, "greedy").selected == ("a",)
    outcome = allocate(KNAPSACK, "max-welfare")
    assert set(outcome.selected) == {"b", "c"}
    assert (
        outcome.decision("a").explanation
        == "not funded: swapping it in lowers total support by 1 votes"
    )
    assert "4 votes, proven optimal" in outcome.decision("b").explanation


def test_max_welfare_respects_exclusive_sets() -> None:
    exclusive = replace(KNAPSACK, exclusive_sets=(frozenset({"b", "c"}),))
    assert set(allocate(exclusive, "max-welfare").selected) == {"a"}


def test_max_welfare_ties_follow_the_tie_breaking_order() -> None:
    # x and y tie on support and cost; the default order prefers the one listed first.
    election = approval(5, {"x": 5, "y": 5}, ["xy"])
    outcome = allocate(election, "max-welfare")
    assert outcome.selected == ("x",)
    assert "tie-breaking order" in outcome.decision("y").explanation


@settings(max_examples=60, deadline=None)
@given(scored_elections())
def test_max_welfare_is_optimal_by_brute_force(election: Election) -> None:
    scores = project_scores(election)
    costs = election.costs()
    candidates = [p.id for p in election.projects if scores[p.id] > 0]
    best = max(
        sum(scores[p] for p in subset)
        for k in range(len(candidates) + 1)
        for subset in combinations(candidates, k)
        if sum(costs[p] for p in subset) <= election.budget
    )
    outcome = allocate(election, "max-welfare")
    assert sum(scores[p] for p in outcome.selected) == best
    assert outcome.total_cost(costs) <= election.budget


def test_phragmen_worked_example() -> None:
    # a (30) and b (20) approved by v0..v2, c (20) by v3, v4; budget 50.
    # Loads if funded first: a 10, b 6.67, c 10 -> b. Then a (30 + 20)/3 = 16.67, c 10 -> c.
    # Then a would need 30 with 10 left: the rule stops.
    election = approval(50, {"a": 30, "b": 20, "c": 20}, ["ab", "ab", "ab", "c", "c"])
    outcome = allocate(election, "phragmen")
    assert outcome.selected == ("b", "c")
    assert outcome.decision("b").explanation.startswith(
        "funded in step 1: the load on its 3 supporters rose to 6.67"
    )
    assert "16.67" in outcome.decision("a").explanation
    assert outcome.decision("a").explanation.endswith("the rule stops here")
