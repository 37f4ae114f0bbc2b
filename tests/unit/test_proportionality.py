"""EJR up to one project and priceability, on elections whose answer is worked out here."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from pbengine.core.election import Election, VoteType
from pbengine.core.outcome import PriceSystem
from pbengine.core.proportionality.ejr import ejr_up_to_one
from pbengine.core.proportionality.priceability import check_priceable
from pbengine.core.rules import RuleOptions, allocate
from tests.elections import approval, approval_elections


def stadium_or_parks() -> Election:
    """Budget 10, ten voters. Six want the stadium x (cost 10); four want parks y and z (2 each).

    The four are 40% of the voters, so their share of the budget is 4: enough for
    y and z together (cost 4). Greedy by votes funds x, which takes the whole
    budget and leaves them with nothing; with y funded they would still have
    only 2 of the 4 they can claim, so even "up to one project" fails.
    """
    return approval(10, {"x": 10, "y": 2, "z": 2}, ["x"] * 6 + ["yz"] * 4)


def test_greedy_that_starves_a_cohesive_group_fails_ejr_up_to_one() -> None:
    election = stadium_or_parks()
    greedy = allocate(election, "greedy")
    assert greedy.selected == ("x",)
    result = ejr_up_to_one(election, greedy.selected)
    assert result.holds is False
    assert result.violation is not None
    assert set(result.violation.projects) == {"y", "z"}
    assert result.violation.group == 4
    assert result.violation.needed == 4  # 4 voters * budget 10 >= 10 voters * cost 4


def test_equal_shares_serves_the_group_and_passes_both_checks() -> None:
    election = stadium_or_parks()
    mes = allocate(election, "equalshares")
    # Each voter holds 1: the stadium's six supporters hold 6 < 10; the parks' four hold 4.
    assert set(mes.selected) == {"y", "z"}
    assert ejr_up_to_one(election, mes.selected).holds is True
    priced = check_priceable(election, mes)
    assert priced.holds is True
    # x's supporters still hold 6 between them, under its cost of 10 (condition C5).
    assert "every voter starting with 1" in priced.why


def test_one_project_short_is_allowed() -> None:
    # Now the four want one park costing 4: funding nothing leaves them exactly one project
    # short, which EJR up to one project forgives.
    election = approval(10, {"x": 10, "y": 4}, ["x"] * 6 + ["y"] * 4)
    assert ejr_up_to_one(election, ("x",)).holds is True


def test_group_too_small_for_its_projects_has_no_claim() -> None:
    # Three of ten voters can claim 3 of the budget of 10; y and z cost 4 together.
    election = approval(10, {"x": 10, "y": 2, "z": 2}, ["x"] * 7 + ["yz"] * 3)
    assert ejr_up_to_one(election, ("x",)).holds is True


def test_cardinality_utility_counts_projects_not_money() -> None:
    # Four voters (budget share 4) want a, b (1 each) and c (2). Funding c alone gives them
    # 2 of 4 in cost (c is worth 2, plus up to one more: a or b worth 1: 3 < 4, fails) but
    # 1 project of 3 (plus one more: 2 < 3, also fails); funding a and b gives cost 2 (+2 for
    # c = 4: holds) and 2 projects (+1 = 3: holds).
    election = approval(10, {"a": 1, "b": 1, "c": 2, "x": 10}, ["abc"] * 4 + ["x"] * 6)
    assert ejr_up_to_one(election, ("c",), "cost").holds is False
    assert ejr_up_to_one(election, ("c",), "cardinality").holds is False
    assert ejr_up_to_one(election, ("a", "b"), "cost").holds is True
    assert ejr_up_to_one(election, ("a", "b"), "cardinality").holds is True
    # Funding a alone: cost 1 + 2 (c) = 3 < 4 fails; count 1 + 1 = 2 < 3 fails too.
    assert ejr_up_to_one(election, ("a",), "cardinality").holds is False


def test_search_that_runs_out_of_effort_says_undecided() -> None:
    election = approval(10, {"x": 10, "y": 2, "z": 2}, ["x"] * 6 + ["yz"] * 4)
    result = ejr_up_to_one(election, ("y", "z"), effort=1)
    assert result.holds is None
    assert "not decided" in result.why


def test_other_ballot_types_are_not_judged() -> None:
    election = replace(stadium_or_parks(), vote_type=VoteType.CUMULATIVE)
    assert ejr_up_to_one(election, ("x",)).holds is None
    assert check_priceable(election, allocate(stadium_or_parks(), "equalshares")).holds is None


def test_a_wrong_payment_is_caught() -> None:
    election = stadium_or_parks()
    mes = allocate(election, "equalshares")
    assert mes.price_system is not None
    tampered = PriceSystem(
        mes.price_system.per_voter,
        tuple((pid, rho / 2) for pid, rho in mes.price_system.payments),
    )
    result = check_priceable(election, replace(mes, price_system=tampered))
    assert result.holds is None
    assert "add up to 1" in result.why
    assert "not its cost of 2" in result.why


def test_unfunded_project_its_supporters_could_afford_is_caught() -> None:
    # With 2 per voter the four park voters hold 8 and pay 4: 4 left, enough for w (cost 3).
    election = approval(20, {"x": 10, "y": 2, "z": 2, "w": 3}, ["x"] * 6 + ["yzw"] * 4)
    mes = allocate(election, "equalshares")
    assert set(mes.selected) >= {"y", "z", "w"}  # MES itself funds w
    assert mes.price_system is not None
    without_w = replace(
        mes,
        selected=tuple(p for p in mes.selected if p != "w"),
        price_system=PriceSystem(
            mes.price_system.per_voter,
            tuple(pay for pay in mes.price_system.payments if pay[0] != "w"),
        ),
    )
    result = check_priceable(election, without_w)
    assert result.holds is None
    assert "supporters of w" in result.why


def test_projects_funded_by_a_greedy_top_up_are_named() -> None:
    # Budget 12, eleven voters: each holds 1 (add1 cannot raise to 2: x would join and
    # overspend). MES funds y and z; w's one supporter holds 1 of its 5, so the greedy
    # top-up funds w with the 8 left, outside the price system.
    election = approval(12, {"x": 10, "y": 2, "z": 2, "w": 5}, ["x"] * 6 + ["yz"] * 4 + ["w"])
    assert set(allocate(election, "equalshares/add1").selected) == {"y", "z"}
    topped = allocate(election, "equalshares/add1-greedy")
    assert set(topped.selected) == {"y", "z", "w"}
    result = check_priceable(election, topped)
    assert result.holds is None
    assert "w funded outside the Equal Shares payments" in result.why


@settings(max_examples=120, deadline=None)
@given(
    election=approval_elections(max_projects=6, max_voters=10),
    rule=st.sampled_from(["equalshares", "equalshares/add1-exhaustive"]),
    utility=st.sampled_from(["cost", "cardinality"]),
)
def test_equal_shares_is_priceable_and_ejr_up_to_one(
    election: Election, rule: str, utility: str
) -> None:
    """The theorems of Peters, Pierczyński & Skowron (2021), checked on every outcome."""
    outcome = allocate(election, rule, RuleOptions(utility=utility))
    assert check_priceable(election, outcome).holds is True
    assert ejr_up_to_one(election, outcome.selected, utility).holds is True


def test_priceable_budget_is_the_recorded_one() -> None:
    election = stadium_or_parks()
    mes = allocate(election, "equalshares")
    assert mes.price_system is not None
    assert mes.price_system.per_voter == Fraction(1)
