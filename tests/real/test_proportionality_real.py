"""EJR up to one and priceability on real elections from ../shared/pabulib."""

from __future__ import annotations

from pathlib import Path

import pytest

from pbengine.core.fairness.equalities import allocate_and_report
from pbengine.core.fairness.spec import FairnessSpec
from pbengine.core.proportionality.ejr import ejr_up_to_one
from pbengine.core.rules import allocate
from pbengine.formats.pabulib import read_file


@pytest.mark.parametrize(
    "name",
    [
        "Poland_Wieliczka_2023_Green_Budget.pb",
        "Poland_Swiecie_2023.pb",
        "Netherlands_Assen_2024.pb",
    ],
)
def test_cities_equal_shares_outcomes_verify_as_proportional(shared: Path, name: str) -> None:
    election = read_file(shared / name)
    _, report = allocate_and_report(election, FairnessSpec("equalshares/add1"))
    checks = report["proportionality"]
    assert checks["priceable"]["holds"] is True, checks["priceable"]["why"]
    assert checks["ejr_up_to_one"]["holds"] is True, checks["ejr_up_to_one"]["why"]


def test_warsaw_greedy_failure_comes_with_a_witness_that_checks_out(shared: Path) -> None:
    """The witness is verified here from the definition, without the search's pruning."""
    election = read_file(shared / "Poland_Warszawa_2022_Bielany.pb")
    outcome = allocate(election, "greedy")
    result = ejr_up_to_one(election, outcome.selected)
    assert result.holds is False
    assert result.violation is not None
    projects = set(result.violation.projects)
    costs = election.costs()
    funded = set(outcome.selected)
    missing = projects - funded
    assert missing
    worth = sum(costs[p] for p in projects)
    one_more = max(costs[p] for p in missing)
    group = [
        b
        for b in election.ballots
        if projects <= set(b.projects)
        and sum(costs[p] for p in set(b.projects) & funded) + one_more < worth
    ]
    assert len(group) == result.violation.group
    # Large enough to afford the projects out of its share of the budget.
    assert len(group) * election.budget >= len(election.ballots) * worth
