"""pbengine's MES and Phragmén against pabutools 1.2.3, same tie-breaking order.

pbengine `equalshares` is pabutools' plain MES; `equalshares/add1-exhaustive`
is pabutools' `voter_budget_increment=1`. CI runs a chosen few elections;
`pytest -m pabutools_all` runs every approval election in ../shared/pabulib
with at most 40 projects (pabutools takes minutes on some of them).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pbengine.core.election import VoteType
from pbengine.core.rules import RuleOptions, allocate
from pbengine.formats.pabulib import read_file
from tests.conftest import FIXTURES, SHARED, shared_elections

pytest.importorskip("pabutools", reason="pabutools is a test-only oracle: pip install -e '.[test]'")
from tests.oracle.pabutools_oracle import pabutools_selection

VARIANTS = [
    ("cost", False),
    ("cardinality", False),
    ("cost", True),
    ("cardinality", True),
]
CHOSEN = [
    "Netherlands_Assen_2024.pb",
    "Worldwide_Mechanical_Turk_k_approval_3.pb",
    "Poland_Warszawa_2018_Pole_Mokotowskie.pb",
    "US_Stanford_Dataset_PB_Cambridge_2019_vote_approvals.pb",
]


def _eligible() -> list[str]:
    if not SHARED.is_dir():
        return []
    names = []
    for path in sorted(SHARED.glob("*.pb")):
        election = read_file(path)
        if election.vote_type is VoteType.APPROVAL and len(election.projects) <= 40:
            names.append(path.name)
    return names


def _check_mes(path: Path, utility: str, add1: bool) -> None:
    rule = "equalshares/add1-exhaustive" if add1 else "equalshares"
    ours = allocate(read_file(path), rule, RuleOptions(utility=utility))
    assert set(ours.selected) == pabutools_selection(path, "mes", utility, add1)


def test_assen_fixture_all_variants() -> None:
    for utility, add1 in VARIANTS:
        _check_mes(FIXTURES / "Netherlands_Assen_2024.pb", utility, add1)


@pytest.mark.parametrize("name", CHOSEN)
@pytest.mark.parametrize(("utility", "add1"), VARIANTS)
def test_chosen_elections(name: str, utility: str, add1: bool) -> None:
    _check_mes(shared_elections() / name, utility, add1)


@pytest.mark.parametrize("name", CHOSEN)
def test_phragmen_chosen(name: str) -> None:
    path = shared_elections() / name
    assert set(allocate(read_file(path), "phragmen").selected) == pabutools_selection(
        path, "phragmen"
    )


@pytest.mark.pabutools_all
@pytest.mark.parametrize("name", _eligible())
@pytest.mark.parametrize(("utility", "add1"), VARIANTS)
def test_every_small_approval_election(name: str, utility: str, add1: bool) -> None:
    _check_mes(shared_elections() / name, utility, add1)


@pytest.mark.pabutools_all
@pytest.mark.parametrize("name", _eligible())
def test_phragmen_every_small_approval_election(name: str) -> None:
    path = shared_elections() / name
    assert set(allocate(read_file(path), "phragmen").selected) == pabutools_selection(
        path, "phragmen"
    )
