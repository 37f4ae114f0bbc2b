"""Fairness constraints on small elections whose right answer is worked out here."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import pytest

from pbengine.core.election import Ballot, Election, Project, VoteType
from pbengine.core.fairness.enforce import allocate_fairly
from pbengine.core.fairness.resolve import FairnessError, resolve
from pbengine.core.fairness.spec import Amount, FairnessSpec, OutcomeShares, RoundFacts

F = Fraction
ALL_RULES = ["greedy", "max-welfare", "equalshares/add1", "phragmen"]


def make(
    projects: list[tuple[str, int, dict[str, str]]],
    ballots: Sequence[tuple[str, ...] | tuple[tuple[str, ...], dict[str, str]]],
    budget: int,
) -> Election:
    made = []
    for i, b in enumerate(ballots):
        if b and isinstance(b[0], tuple):
            made.append(Ballot(f"v{i}", b[0], None, b[1]))
        else:
            made.append(Ballot(f"v{i}", b))
    return Election(
        budget=F(budget),
        vote_type=VoteType.APPROVAL,
        projects=tuple(Project(pid, F(cost), attrs) for pid, cost, attrs in projects),
        ballots=tuple(made),
    )


# North's project is the most popular; South's two are cheaper and less popular.
TOWN = make(
    [
        ("n", 60, {"district": "North", "category": "roads"}),
        ("s1", 40, {"district": "South", "category": "green"}),
        ("s2", 30, {"district": "South", "category": "green"}),
    ],
    [("n",)] * 5 + [("s1",)] * 3 + [("s2",)] * 2 + [("n", "s1")],
    budget=100,
)


@pytest.mark.parametrize("rule", ALL_RULES)
def test_unconstrained_town_funds_north_then_south(rule: str) -> None:
    assert set(allocate_fairly(TOWN, FairnessSpec(rule)).outcome.selected) == {"n", "s1"}


@pytest.mark.parametrize("rule", ALL_RULES)
def test_district_floor_brings_south_in(rule: str) -> None:
    # South must get at least 70: only s1 + s2 (70) meet it, leaving 30, too little for n.
    spec = FairnessSpec(rule, district_floors={"South": Amount(F(70))})
    fair = allocate_fairly(TOWN, spec)
    assert set(fair.outcome.selected) == {"s1", "s2"}
    assert [c.met for c in fair.checks] == [True]


@pytest.mark.parametrize("rule", ALL_RULES)
def test_category_cap_keeps_green_under_half(rule: str) -> None:
    # Green may take at most 50%: s1 (40) fits, s2 would take green to 70.
    spec = FairnessSpec(rule, category_caps={"green": Amount(F(1, 2), is_share=True)})
    fair = allocate_fairly(TOWN, spec)
    green = fair.checks[0]
    assert green.spend <= 50
    assert "s2" not in fair.outcome.selected


@pytest.mark.parametrize("rule", ALL_RULES)
def test_exclusive_projects_are_never_both_funded(rule: str) -> None:
    spec = FairnessSpec(rule, exclusive=(frozenset({"n", "s1"}),))
    fair = allocate_fairly(TOWN, spec)
    assert len({"n", "s1"} & set(fair.outcome.selected)) <= 1
    assert fair.broken_sets == ()
    # n is the better, and s2 takes the money s1 would have had. Phragmén is the exception:
    # n and s1 both load their supporters with 10, the cheaper s1 wins the tie and is funded
    # first, so it is n, funded after it, that has to go.
    expected = {"s1", "s2"} if rule == "phragmen" else {"n", "s2"}
    assert set(fair.outcome.selected) == expected


@pytest.mark.parametrize("rule", ALL_RULES)
def test_together_projects_are_funded_both_or_neither(rule: str) -> None:
    spec = FairnessSpec(rule, together=(frozenset({"s1", "s2"}),))
    fair = allocate_fairly(TOWN, spec)
    chosen = set(fair.outcome.selected)
    assert {"s1", "s2"} <= chosen or not {"s1", "s2"} & chosen
    assert fair.broken_sets == ()


@pytest.mark.parametrize("rule", ALL_RULES)
def test_support_threshold_rules_out_the_little_supported(rule: str) -> None:
    absolute = allocate_fairly(TOWN, FairnessSpec(rule, min_votes=F(3)))
    assert "s2" not in absolute.outcome.selected
    assert "under the support threshold of 3" in absolute.outcome.decision("s2").explanation
    # A third of 11 voters is 3 2/3: s1 (4 votes) passes, s2 (2) does not.
    share = allocate_fairly(TOWN, FairnessSpec(rule, min_voter_share=F(1, 3)))
    assert "s2" not in share.outcome.selected


@pytest.mark.parametrize("rule", ALL_RULES)
def test_per_proposer_cap(rule: str) -> None:
    town = make(
        [
            ("a", 40, {"proposer": "Big Org"}),
            ("b", 40, {"proposer": "Big Org"}),
            ("c", 20, {"proposer": "Residents"}),
        ],
        [("a", "b")] * 4 + [("c",)],
        budget=100,
    )
    assert set(allocate_fairly(town, FairnessSpec(rule)).outcome.selected) == {"a", "b", "c"}
    capped = allocate_fairly(town, FairnessSpec(rule, proposer_cap=Amount(F(1, 2), True)))
    assert len({"a", "b"} & set(capped.outcome.selected)) == 1
    assert all(c.met for c in capped.checks)


def test_turnout_reweighting_counts_each_group_at_its_population_share() -> None:
    # The young are 60% of the population but cast one ballot in four.
    older = [(("old",), {"age": "65+"})] * 3
    young = [(("young",), {"age": "18-30"})]
    town = make([("old", 60, {}), ("young", 60, {})], [*older, *young], budget=100)
    spec = FairnessSpec(
        "greedy", reweight_by="age", reweight_population={"65+": F(40), "18-30": F(60)}
    )
    assert allocate_fairly(town, FairnessSpec("greedy")).outcome.selected == ("old",)
    fair = allocate_fairly(town, spec)
    # weights: 0.4 / 0.75 = 8/15 for the older, 0.6 / 0.25 = 12/5 for the young, so
    # "old" scores 3 * 8/15 = 1.6 and "young" 2.4.
    assert fair.resolved.group_weights == {"18-30": F(12, 5), "65+": F(8, 15)}
    assert fair.outcome.selected == ("young",)
    assert "2.4" in fair.outcome.decision("young").explanation
    welfare = allocate_fairly(
        town,
        FairnessSpec(
            "max-welfare", reweight_by="age", reweight_population=spec.reweight_population
        ),
    )
    assert welfare.outcome.selected == ("young",)


def test_outcome_shares_split_the_budget_by_residents_votes() -> None:
    town = make(
        [
            ("care1", 50, {"outcomes": "care"}),
            ("care2", 40, {"outcomes": "care"}),
            ("walk1", 30, {"outcomes": "walking"}),
        ],
        [("care1", "care2")] * 6 + [("walk1",)],
        budget=100,
    )
    # Borda with 2 outcomes: care gets 1 point per first place; 3 ballots rank care first,
    # 1 ranks walking first: shares 10% floor each + 80% * (3/4, 1/4) = 70 and 30.
    facts = RoundFacts(
        outcome_keys=("care", "walking"),
        outcome_votes=(("care", "walking"),) * 3 + (("walking", "care"),),
    )
    spec = FairnessSpec("greedy", outcome_shares=OutcomeShares("borda", F(1, 10)))
    fair = allocate_fairly(town, spec, facts)
    pools = {p.name: p.budget for p in fair.resolved.outcome_pools}
    assert pools == {"outcome care": 70, "outcome walking": 30}
    # care's 70 buys care1 (50) but not care2 as well; walking's 30 buys walk1.
    assert set(fair.outcome.selected) == {"care1", "walk1"}
    # Without outcome shares greedy spends on care alone.
    assert set(allocate_fairly(town, FairnessSpec("greedy")).outcome.selected) == {
        "care1",
        "care2",
    }


@pytest.mark.parametrize("rule", ALL_RULES)
def test_a_floor_that_cannot_be_met_is_named_with_its_shortfall(rule: str) -> None:
    # Green's projects cost 70 in all: a floor of 90 cannot be met.
    spec = FairnessSpec(rule, category_floors={"green": Amount(F(90))})
    fair = allocate_fairly(TOWN, spec)
    [green] = fair.checks
    assert not green.met
    assert green.shortfall == 90 - green.spend
    assert any("short of its floor of 90" in note for note in fair.outcome.notes)


def test_a_city_wide_project_counts_for_districts_by_its_supporters() -> None:
    town = make(
        [("park", 50, {}), ("lib", 50, {"district": "South"})],
        [(("park",), {"district": "North"})] * 3 + [(("park", "lib"), {"district": "South"})],
        budget=100,
    )
    spec = FairnessSpec("greedy", district_floor="voters", district_floor_share=F(1, 2))
    resolved = resolve(spec, town)
    shares = {b.label: dict(b.shares) for b in resolved.bounds}
    assert shares == {
        "district North": {"park": F(3, 4)},
        "district South": {"park": F(1, 4), "lib": F(1)},
    }
    # floors: half the budget split 3:1 by voters
    assert [b.floor for b in resolved.bounds] == [F(75, 2), F(25, 2)]


@pytest.mark.parametrize(
    ("spec", "key", "words"),
    [
        (
            FairnessSpec("greedy", category_floors={"green": Amount(F(200))}),
            "categories.floors.green",
            "above the budget",
        ),
        (
            FairnessSpec(
                "greedy",
                district_floors={"South": Amount(F(60))},
                district_caps={"South": Amount(F(50))},
            ),
            "districts.floors.South",
            "floor above its cap",
        ),
        (
            FairnessSpec(
                "greedy",
                category_floors={"green": Amount(F(60)), "roads": Amount(F(60))},
            ),
            "categories",
            "more than the budget",
        ),
        (FairnessSpec("greedy", exclusive=(frozenset({"n", "zz"}),)), "exclusive", "unknown"),
        (
            FairnessSpec(
                "greedy",
                exclusive=(frozenset({"n", "s1"}),),
                together=(frozenset({"n", "s1"}),),
            ),
            "together",
            "mutually exclusive",
        ),
        (FairnessSpec("greedy", district_floor="population"), "districts.floor", "populations"),
        (FairnessSpec("greedy", outcome_shares=OutcomeShares()), "outcome_shares", "no outcome"),
    ],
)
def test_impossible_constraints_are_refused_naming_the_setting(
    spec: FairnessSpec, key: str, words: str
) -> None:
    with pytest.raises(FairnessError) as refused:
        resolve(spec, TOWN)
    assert refused.value.key == key
    assert words in refused.value.problem


@pytest.mark.parametrize("rule", ALL_RULES)
def test_district_cap_keeps_north_small(rule: str) -> None:
    # North may take at most 50: its one project costs 60, so South's two are funded instead.
    spec = FairnessSpec(rule, district_caps={"North": Amount(F(50))})
    fair = allocate_fairly(TOWN, spec)
    assert set(fair.outcome.selected) == {"s1", "s2"}
    assert fair.checks[0].spend == 0


def test_population_floors_split_by_population() -> None:
    facts = RoundFacts(district_populations={"North": 3000, "South": 1000})
    spec = FairnessSpec("greedy", district_floor="population", district_floor_share=F(1, 2))
    resolved = resolve(spec, TOWN, facts)
    assert {b.label: b.floor for b in resolved.bounds} == {
        "district North": F(75, 2),
        "district South": F(25, 2),
    }
