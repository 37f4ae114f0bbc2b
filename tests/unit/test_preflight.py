"""The pre-flight check on its own: what each rule can promise, and floors proven unreachable."""

from __future__ import annotations

from fractions import Fraction

import pytest

from pbengine.core.election import Election, Project, VoteType
from pbengine.core.fairness.preflight import Declared, preflight
from pbengine.core.fairness.spec import Amount, FairnessSpec, OutcomeShares, RoundFacts

NORTH_SOUTH = Declared(districts=("North", "South"), categories=("green",))
POPULATIONS = RoundFacts(district_populations={"North": 600, "South": 400}, outcome_keys=("a",))


def projects(*specs: tuple[str, int, str | None]) -> Election:
    """No ballots: the pre-flight runs before the vote."""
    return Election(
        Fraction(100),
        VoteType.APPROVAL,
        tuple(
            Project(
                pid, Fraction(cost), {"district": d, "outcomes": "a"} if d else {"outcomes": "a"}
            )
            for pid, cost, d in specs
        ),
        (),
    )


def fields(spec: FairnessSpec, election: Election, facts: RoundFacts = POPULATIONS) -> list[str]:
    return [p.key for p in preflight(spec, election, facts, NORTH_SOUTH).problems]


CITY_WIDE = projects(("n", 40, "North"), ("s", 40, "South"), ("c", 30, None))
IN_DISTRICTS = projects(("n", 40, "North"), ("s", 40, "South"))


@pytest.mark.parametrize("rule", ["equalshares/add1", "phragmen"])
def test_proportional_rules_cannot_promise_district_floors_with_city_wide_projects(
    rule: str,
) -> None:
    floors = FairnessSpec(rule, district_floors={"North": Amount(Fraction(30))})
    assert fields(floors, CITY_WIDE) == ["districts.floors"]
    assert fields(floors, IN_DISTRICTS) == []
    reweighted = FairnessSpec(rule, reweight_by="district")
    assert fields(reweighted, IN_DISTRICTS) == ["reweighting"]


@pytest.mark.parametrize("rule", ["greedy", "max-welfare"])
def test_steering_rules_can(rule: str) -> None:
    spec = FairnessSpec(rule, district_floors={"North": Amount(Fraction(30))}, reweight_by="d")
    assert fields(spec, CITY_WIDE) == []


def test_outcome_shares_enforce_caps_and_sets_but_not_floors() -> None:
    shares = OutcomeShares()
    capped = FairnessSpec(
        "greedy",
        outcome_shares=shares,
        district_caps={"North": Amount(Fraction(40))},
        exclusive=(frozenset({"n", "s"}),),
    )
    assert fields(capped, IN_DISTRICTS) == []
    floored = FairnessSpec(
        "greedy", outcome_shares=shares, category_floors={"green": Amount(Fraction(1))}
    )
    assert fields(floored, IN_DISTRICTS) == ["outcome_shares"]
    assert fields(capped, IN_DISTRICTS, RoundFacts()) == ["outcome_shares"]  # no outcomes


def test_a_city_wide_project_may_split_its_cost_between_floors() -> None:
    """Before the vote a city-wide project's cost may count towards the districts in any
    split its supporters could give it, never more than once in all."""
    reachable = FairnessSpec(
        "greedy", district_floors={"North": Amount(Fraction(50)), "South": Amount(Fraction(20))}
    )
    # n (40) + c (30) = 70 ≤ 100, c split 10 to North and 20 to South.
    assert fields(reachable, CITY_WIDE) == []
    alone = FairnessSpec("greedy", district_floors={"North": Amount(Fraction(71))})
    # North can have at most n (40) and all of c (30).
    assert fields(alone, CITY_WIDE) == ["districts.floors.North"]
    together = FairnessSpec(
        "greedy",
        district_floors={"North": Amount(Fraction(60)), "South": Amount(Fraction(40))},
        exclusive=(frozenset({"n", "s"}),),
    )
    # Each alone: North n + c = 70 ≥ 60; South s = 40. Together n and s exclude each other.
    assert fields(together, CITY_WIDE) == ["floors"]


def test_names_and_data() -> None:
    typo = FairnessSpec("greedy", district_caps={"Nort": Amount(Fraction(10))})
    assert fields(typo, IN_DISTRICTS) == ["districts.caps.Nort"]
    unknown = FairnessSpec("greedy", together=(frozenset({"n", "x"}),))
    assert fields(unknown, IN_DISTRICTS) == ["together"]
    population = FairnessSpec(
        "greedy", district_floor="population", district_floor_share=Fraction(1, 2)
    )
    assert fields(population, IN_DISTRICTS, RoundFacts(district_populations={"North": 5})) == [
        "districts.floor"
    ]
    assert fields(population, IN_DISTRICTS) == []  # North 30 of n's 40, South 20 of s's 40
    everything = FairnessSpec("greedy", district_floor="population")
    assert fields(everything, IN_DISTRICTS) == ["districts.floor"]  # North 60: n is only 40
    report = preflight(
        FairnessSpec("greedy-no-skip", district_floor="voters"),
        IN_DISTRICTS,
        POPULATIONS,
        NORTH_SOUTH,
    )
    assert report.ready
    assert len(report.warnings) == 2


def test_floors_that_turnout_could_push_over_the_budget_are_refused() -> None:
    """60% for North beside half the budget by voters: if every voter lives in South, South's
    floor is 50 and North's 60, 110 of a budget of 100, and the allocation is refused."""
    risky = FairnessSpec(
        "greedy",
        district_floor="voters",
        district_floor_share=Fraction(1, 2),
        district_floors={"North": Amount(Fraction(60, 100), is_share=True)},
    )
    assert fields(risky, IN_DISTRICTS) == ["districts.floors"]
    safe = FairnessSpec(
        "greedy",
        district_floor="voters",
        district_floor_share=Fraction(1, 2),
        district_floors={"North": Amount(Fraction(40, 100), is_share=True)},
    )
    assert fields(safe, IN_DISTRICTS) == []  # 50 + 40: within the budget however they vote
