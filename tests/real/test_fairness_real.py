"""Fairness rules on real elections from ../shared/pabulib."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from pbengine.core.fairness.equalities import allocate_and_report
from pbengine.core.fairness.spec import FairnessSpec
from pbengine.formats.pabulib import read_file
from pbengine.formats.rule_document import load_preset

# Warsaw's 18 districts, as its voters name them (the file's `neighborhood`).
WARSAW_DISTRICTS = 18


@pytest.mark.parametrize(
    ("rule", "share"),
    [
        ("greedy-threshold", Fraction(1)),
        ("max-welfare", Fraction(1, 2)),
    ],
)
def test_warsaw_city_wide_with_district_floors_proportional_to_voters(
    shared: Path, rule: str, share: Fraction
) -> None:
    election = read_file(shared / "Poland_Warszawa_2026.pb")
    spec = FairnessSpec(rule, district_floor="voters", district_floor_share=share)
    fair, report = allocate_and_report(election, spec)
    costs = election.costs()
    assert sum(costs[p] for p in fair.outcome.selected) <= election.budget
    constraints = report["constraints"]
    assert len(constraints) == WARSAW_DISTRICTS
    for c in constraints:
        # Every district reaches its floor, or the result names it and by how much.
        if c["met"]:
            assert Fraction(c["spend"]) >= Fraction(c["floor"]) - Fraction(1, 100)
        else:
            named = [n for n in fair.outcome.notes if n.startswith(c["label"] + ":")]
            assert named, c
            assert "short of its floor" in named[0]
    if share == 1:
        # Floors adding up to the whole budget cannot all be met by spending attributed
        # through supporters: some fall short, and say so.
        assert not all(c["met"] for c in constraints)
    if rule == "max-welfare" and share < 1:
        # Half the budget in floors: CP-SAT meets every one and proves the optimum.
        assert all(c["met"] for c in constraints)
        assert fair.outcome.notes[0].startswith("CP-SAT: total support")
        assert "proven optimal" in fair.outcome.notes[0]


@pytest.mark.parametrize(
    "name",
    [
        "Poland_Warszawa_2026.pb",
        "Poland_Wieliczka_2023_Green_Budget.pb",
        "Poland_Swiecie_2023.pb",
        "Netherlands_Assen_2024.pb",
    ],
)
def test_max_welfare_with_floors_is_proven_optimal(shared: Path, name: str) -> None:
    """The CI few; bench/cpsat_floors.py runs every election and lists solve times."""
    election = read_file(shared / name)
    spec = load_preset("max-welfare-with-floors").spec()
    has_districts = any(
        b.attributes.get("district") or b.attributes.get("neighborhood") for b in election.ballots
    )
    if not has_districts:
        spec = FairnessSpec("max-welfare")
    fair, _ = allocate_and_report(election, spec)
    assert "proven optimal" in fair.outcome.notes[0]
    assert not any("not settled" in d.explanation for d in fair.outcome.decisions)
