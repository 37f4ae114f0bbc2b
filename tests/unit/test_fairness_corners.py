"""Corner cases of the fairness rules (issue 11): each was a reported problem, shown here."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest

from pbengine.core.election import Ballot, Election, Project, VoteType
from pbengine.core.fairness.bounds import Constraints
from pbengine.core.fairness.enforce import allocate_fairly
from pbengine.core.fairness.equalities import allocate_and_report
from pbengine.core.fairness.greedy_fair import constrained_greedy, own_policy
from pbengine.core.fairness.resolve import FairnessError, resolve
from pbengine.core.fairness.spec import Amount, FairnessSpec
from pbengine.core.rules import allocate
from pbengine.core.rules.greedy import greedy
from pbengine.core.tiebreak import LISTED_ORDER
from pbengine.formats.fairness_document import FairnessDocumentError, load_file
from pbengine.formats.pabulib import read_file
from tests.conftest import FIXTURES
from tests.unit.test_fairness import TOWN, make

F = Fraction
ALL_RULES = ["greedy", "max-welfare", "equalshares/add1", "phragmen"]
GREEDY_FAMILY = [
    "greedy",
    "greedy-threshold",
    "greedy-no-skip",
    "greedy-exclusive",
    "greedy-reserve",
]


# 3. Together sets close over overlap: [1, 2] and [2, 3] fund 1, 2 and 3 as one bundle.

CHAIN_TOGETHER = (frozenset({"1", "2"}), frozenset({"2", "3"}))
ENDS_APART = (frozenset({"1", "3"}),)
CHAIN = make(
    [("1", 20, {}), ("2", 20, {}), ("3", 20, {}), ("4", 50, {})],
    [("1", "2", "3")] * 3 + [("4",)],
    budget=100,
)


def test_a_document_whose_together_chain_holds_an_exclusive_pair_is_refused(
    tmp_path: Path,
) -> None:
    path = tmp_path / "chain.toml"
    path.write_text('exclusive = [["1", "3"]]\ntogether = [["1", "2"], ["2", "3"]]\n', "utf-8")
    with pytest.raises(FairnessDocumentError) as refused:
        load_file(path)
    assert refused.value.key == "together"
    assert "1 and 3" in refused.value.problem
    assert "exclusive" in refused.value.problem


def test_a_spec_whose_together_chain_holds_an_exclusive_pair_is_refused() -> None:
    spec = FairnessSpec("greedy", exclusive=ENDS_APART, together=CHAIN_TOGETHER)
    with pytest.raises(FairnessError) as refused:
        resolve(spec, CHAIN)
    assert refused.value.key == "together"
    assert "1 and 3" in refused.value.problem


def test_greedy_never_funds_two_rivals_of_one_bundle() -> None:
    # Given straight to the rule, past resolve(): greedy must still see the rivalry.
    constraints = Constraints(exclusive=ENDS_APART, together=CHAIN_TOGETHER)
    outcome = constrained_greedy(CHAIN, constraints, rule="greedy", tie_breaking=LISTED_ORDER)
    assert outcome.selected == ("4",)
    assert "3" in outcome.decision("1").explanation
    assert "excludes" in outcome.decision("1").explanation


def test_greedy_sees_a_bundle_member_excluded_by_a_project_already_funded() -> None:
    constraints = Constraints(exclusive=(frozenset({"3", "4"}),), together=CHAIN_TOGETHER)
    town = make(
        [("1", 20, {}), ("2", 20, {}), ("3", 20, {}), ("4", 10, {})],
        [("4",)] * 5 + [("1", "2", "3")] * 3,
        budget=100,
    )
    outcome = constrained_greedy(town, constraints, rule="greedy", tie_breaking=LISTED_ORDER)
    assert outcome.selected == ("4",)


@pytest.mark.parametrize("rule", ALL_RULES)
def test_chained_together_sets_fund_all_three_or_none(rule: str) -> None:
    # 1 and 2 are popular and cheap, 3 is expensive: the bundle [1, 2, 3] costs 110.
    town = make(
        [("1", 30, {}), ("2", 30, {}), ("3", 50, {}), ("4", 40, {})],
        [("1", "2")] * 5 + [("4",)] * 3 + [("3",)],
        budget=100,
    )
    fair = allocate_fairly(town, FairnessSpec(rule, together=CHAIN_TOGETHER))
    chosen = set(fair.outcome.selected)
    assert not {"1", "2", "3"} & chosen
    assert fair.broken_sets == ()
    assert fair.resolved.together == (frozenset({"1", "2", "3"}),)


# 5. The election's own rules (Amsterdam's per-category caps and leftover pass) still apply.


def capped(leftover: bool) -> Election:
    meta = {"categories": "Groen,Jeugd", "budget_per_category": "50,100"}
    if leftover:
        meta["leftover_budget"] = "Fund additional projects that fit, ordered by score"
    town = make(
        [
            ("a", 40, {"category": "Groen"}),
            ("b", 40, {"category": "Groen"}),
            ("c", 20, {"category": "Jeugd"}),
        ],
        [("a", "b")] * 5 + [("a",)] + [("c",)],
        budget=100,
    )
    return replace(town, rule="greedy", meta=meta)


@pytest.mark.parametrize(("leftover", "expected"), [(False, {"a", "c"}), (True, {"a", "b", "c"})])
def test_the_files_category_caps_apply_under_a_fairness_document(
    leftover: bool, expected: set[str]
) -> None:
    town = capped(leftover)
    # Greedy alone: Groen's cap of 50 takes a (40) but not b; the leftover pass, if the
    # file has one, then spends what is left without the caps.
    assert set(allocate(town, "greedy").selected) == expected
    assert set(allocate_fairly(town, FairnessSpec("greedy")).outcome.selected) == expected
    # A threshold every project passes changes nothing.
    passed = allocate_fairly(town, FairnessSpec("greedy", min_votes=F(1)))
    assert set(passed.outcome.selected) == expected
    # A threshold that rules c out frees its 20, but Groen's cap still holds b back.
    strict = allocate_fairly(town, FairnessSpec("greedy", min_votes=F(2)))
    assert set(strict.outcome.selected) == ({"a", "b"} if leftover else {"a"})


def test_a_document_that_declares_nothing_credits_the_rules_with_nothing() -> None:
    _, report = allocate_and_report(capped(False), FairnessSpec("greedy"))
    assert report["effect"]["brought_in"] == []
    assert report["effect"]["pushed_out"] == []


def fixture_elections() -> list[Election]:
    return [read_file(path) for path in sorted(FIXTURES.glob("*.pb"))] + [
        capped(False),
        capped(True),
        TOWN,
    ]


@pytest.mark.parametrize("rule", [*GREEDY_FAMILY, "max-welfare", "equalshares", "phragmen"])
def test_an_empty_document_gives_the_rules_own_outcome(rule: str) -> None:
    for election in fixture_elections():
        plain = allocate(election, rule)
        assert allocate_fairly(election, FairnessSpec(rule)).outcome == plain


@pytest.mark.parametrize("rule", GREEDY_FAMILY)
def test_own_policy_is_what_the_plain_rule_applies(rule: str) -> None:
    for election in fixture_elections():
        assert greedy(election, own_policy(rule, election), rule=rule) == allocate(election, rule)


@pytest.mark.parametrize("rule", GREEDY_FAMILY)
def test_a_constraint_that_binds_nothing_leaves_greedys_choice_alone(rule: str) -> None:
    # Caps, thresholds, no-skip and the reserve stay the rule's own under a document.
    for election in fixture_elections():
        fair = allocate_fairly(election, FairnessSpec(rule, min_votes=F(0)))
        assert fair.outcome.selected == allocate(election, rule).selected, election.meta


# 6. A support threshold counts supporters, whatever the ballot.


def ranked(vote_type: VoteType) -> Election:
    # x is named by one voter, first of three; a and b by all four.
    points = vote_type is VoteType.CUMULATIVE
    ballots = [
        Ballot("v0", ("x", "a", "b"), (F(8), F(1), F(1)) if points else None),
        *(Ballot(f"v{i}", ("a", "b"), (F(1), F(1)) if points else None) for i in range(1, 4)),
    ]
    return Election(
        F(100),
        vote_type,
        (Project("x", F(30)), Project("a", F(30)), Project("b", F(30))),
        tuple(ballots),
    )


@pytest.mark.parametrize("vote_type", [VoteType.ORDINAL, VoteType.CUMULATIVE])
@pytest.mark.parametrize("rule", ALL_RULES)
def test_a_share_of_the_voters_counts_supporters_not_points(vote_type: VoteType, rule: str) -> None:
    election = ranked(vote_type)
    # x has 3 (ordinal) or 8 (cumulative) points from its one supporter: half of 4 voters
    # is 2 supporters, which it does not have.
    fair = allocate_fairly(election, FairnessSpec(rule, min_voter_share=F(1, 2)))
    assert "x" not in fair.outcome.selected
    explanation = fair.outcome.decision("x").explanation
    assert "1 supporter, under the support threshold of 2 supporters (50% of 4 voters)" in (
        explanation
    )


@pytest.mark.parametrize("vote_type", [VoteType.ORDINAL, VoteType.CUMULATIVE])
def test_min_votes_counts_supporters_too(vote_type: VoteType) -> None:
    election = ranked(vote_type)
    fair = allocate_fairly(election, FairnessSpec("greedy", min_votes=F(2)))
    assert "x" not in fair.outcome.selected
    assert set(fair.outcome.selected) == {"a", "b"}


# 7. Floors that add up to more than the budget, over groups that cannot share spending.

ONE_CITY_WIDE = make(
    [
        ("park", 50, {}),
        ("lib", 40, {"district": "South"}),
        ("road", 40, {"district": "North"}),
    ],
    [(("park",), {"district": "North"})] * 3 + [(("park", "lib"), {"district": "South"})],
    budget=100,
)


@pytest.mark.parametrize("election", [TOWN, ONE_CITY_WIDE], ids=["in-districts", "city-wide"])
def test_district_floors_over_the_budget_are_refused_wherever_projects_sit(
    election: Election,
) -> None:
    sixty = Amount(F(3, 5), is_share=True)
    spec = FairnessSpec("greedy", district_floors={"North": sixty, "South": sixty})
    with pytest.raises(FairnessError) as refused:
        resolve(spec, election)
    assert refused.value.key == "districts"
    assert "more than the budget" in refused.value.problem


def test_proportional_and_explicit_district_floors_add_up() -> None:
    # Half the budget split by voters (3:1), and North raised to 90: 90 + 12.5 > 100.
    spec = FairnessSpec(
        "greedy",
        district_floor="voters",
        district_floor_share=F(1, 2),
        district_floors={"North": Amount(F(90))},
    )
    with pytest.raises(FairnessError) as refused:
        resolve(spec, ONE_CITY_WIDE)
    assert refused.value.key == "districts"


def test_district_share_floors_over_the_budget_are_refused_on_load(tmp_path: Path) -> None:
    path = tmp_path / "floors.toml"
    path.write_text('[districts.floors]\nNorth = "60%"\nSouth = "60%"\n', "utf-8")
    with pytest.raises(FairnessDocumentError) as refused:
        load_file(path)
    assert refused.value.key == "districts"
    assert "120%" in refused.value.problem


BOTH_KINDS = make(
    [
        ("gr", 70, {"category": "green,roads"}),
        ("g", 20, {"category": "green"}),
        ("r", 20, {"category": "roads"}),
    ],
    [("g",)] * 5 + [("r",)] * 4 + [("gr",)],
    budget=100,
)


@pytest.mark.parametrize("rule", ["greedy", "max-welfare"])
def test_overlapping_category_floors_over_the_budget_can_still_be_met(rule: str) -> None:
    # 60% green and 60% roads ask for 120, yet gr (70) counts for both: gr + g meet them.
    sixty = Amount(F(3, 5), is_share=True)
    spec = FairnessSpec(rule, category_floors={"green": sixty, "roads": sixty})
    fair = allocate_fairly(BOTH_KINDS, spec)
    assert all(c.met for c in fair.checks)
    assert "gr" in fair.outcome.selected


def test_category_floors_no_project_can_share_are_refused() -> None:
    # No project is in both green and roads here: 60% + 60% cannot be met.
    sixty = Amount(F(3, 5), is_share=True)
    spec = FairnessSpec("greedy", category_floors={"green": sixty, "roads": sixty})
    with pytest.raises(FairnessError) as refused:
        resolve(spec, TOWN)
    assert refused.value.key == "categories"


def test_category_floors_over_twice_the_budget_are_refused_when_projects_carry_two() -> None:
    # gr carries two floored categories, none three: 3 floors of 70% ask for 210 > 2 * 100.
    three = make(
        [("gr", 70, {"category": "green,roads"}), ("s", 20, {"category": "sport"})],
        [("gr",), ("s",)],
        budget=100,
    )
    seventy = Amount(F(7, 10), is_share=True)
    spec = FairnessSpec(
        "greedy", category_floors={"green": seventy, "roads": seventy, "sport": seventy}
    )
    with pytest.raises(FairnessError) as refused:
        resolve(spec, three)
    assert refused.value.key == "categories"


# Also (a): the effect of each kind of rule on its own.


def test_the_report_gives_the_effect_of_each_kind_of_rule() -> None:
    # The floor alone brings s2 in for n; the threshold alone (2 supporters) rules
    # nothing out.
    spec = FairnessSpec("greedy", district_floors={"South": Amount(F(70))}, min_votes=F(2))
    _, report = allocate_and_report(TOWN, spec)
    by_kind = report["effect"]["by_kind"]
    assert by_kind == {
        "floors": {"brought_in": ["s2"], "pushed_out": ["n"]},
        "thresholds": {"brought_in": [], "pushed_out": []},
    }


def test_one_kind_of_rule_is_its_own_effect() -> None:
    spec = FairnessSpec("greedy", district_floors={"South": Amount(F(70))})
    _, report = allocate_and_report(TOWN, spec)
    effect = report["effect"]
    assert effect["by_kind"] == {
        "floors": {"brought_in": effect["brought_in"], "pushed_out": effect["pushed_out"]}
    }


# Also (b): a re-run takes out every project that broke a bound in the run before.

NORTH_HEAVY = make(
    [
        ("n1", 20, {"district": "North"}),
        ("n2", 20, {"district": "North"}),
        ("n3", 20, {"district": "North"}),
        ("n4", 20, {"district": "North"}),
        ("s1", 20, {"district": "South"}),
        ("s2", 20, {"district": "South"}),
    ],
    [("n1", "n2", "n3", "n4")] * 8 + [("s1", "s2")] * 2,
    budget=100,
)


@pytest.mark.parametrize("rule", ["equalshares/add1", "phragmen"])
def test_a_cap_broken_by_several_projects_takes_them_out_in_one_re_run(rule: str) -> None:
    spec = FairnessSpec(rule, district_caps={"North": Amount(F(40))})
    fair = allocate_fairly(NORTH_HEAVY, spec)
    assert fair.checks[0].spend <= 40
    assert set(fair.outcome.selected) >= {"s1", "s2"}
    assert any(note.startswith(f"{rule} ran 2 times") for note in fair.outcome.notes), (
        fair.outcome.notes
    )
