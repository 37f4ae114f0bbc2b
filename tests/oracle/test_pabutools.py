"""pbengine's MES and Phragmén against pabutools 1.2.3, same tie-breaking order.

pbengine `equalshares` is pabutools' plain MES; `equalshares/add1-exhaustive`
is pabutools' `voter_budget_increment=1`; `equalshares/add1`, as Wieliczka,
Świecie and Assen deployed it, is pabutools' MES rerun one unit per voter higher
until it overspends (pabutools has no option for it). CI runs a chosen few elections;
`pytest -m pabutools_all` runs every approval election in ../shared/pabulib
with at most 40 projects (pabutools takes minutes on some of them).

Collection stays cheap: the elections are listed by file name and parsed only
by the tests that run, and pabutools is imported by the `oracle` fixture.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import pytest

from pbengine.core.election import VoteType
from pbengine.core.rules import RuleOptions, allocate
from pbengine.formats.pabulib import read_file
from tests.conftest import FIXTURES, SHARED, shared_elections

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
MAX_PROJECTS = 40


class Oracle(Protocol):
    def __call__(self, path: Path, rule: str, utility: str = ..., add1: bool = ...) -> set[str]: ...


@pytest.fixture(scope="module")
def oracle() -> Oracle:
    pytest.importorskip(
        "pabutools", reason="pabutools is a test-only oracle: pip install -e '.[test]'"
    )
    from tests.oracle.pabutools_oracle import pabutools_selection  # noqa: PLC0415

    return pabutools_selection


def _shared_names() -> list[str]:
    """Every file name in ../shared/pabulib; listing them parses nothing."""
    return sorted(path.name for path in SHARED.glob("*.pb")) if SHARED.is_dir() else []


def _small_approval_election(name: str) -> Path:
    """The election's path, or a skip when pabutools_all does not cover it."""
    path = shared_elections() / name
    election = read_file(path)
    if election.vote_type is not VoteType.APPROVAL:
        pytest.skip(f"{election.vote_type.value} vote, not approval")
    if len(election.projects) > MAX_PROJECTS:
        pytest.skip(f"{len(election.projects)} projects, over {MAX_PROJECTS}")
    return path


def _check_mes(oracle: Oracle, path: Path, utility: str, add1: bool) -> None:
    rule = "equalshares/add1-exhaustive" if add1 else "equalshares"
    ours = allocate(read_file(path), rule, RuleOptions(utility=utility))
    assert set(ours.selected) == oracle(path, "mes", utility, add1)


@pytest.mark.parametrize(
    "name",
    # Assen's outcome is also add1-exhaustive's; Wieliczka's is neither that nor plain MES'.
    ["Netherlands_Assen_2024.pb", "Poland_Wieliczka_2023_Green_Budget.pb"],
)
def test_deployed_add1_is_pabutools_mes_raised_until_it_overspends(
    oracle: Oracle, name: str
) -> None:
    from tests.oracle.pabutools_oracle import pabutools_add1_deployed  # noqa: PLC0415

    path = FIXTURES / name if (FIXTURES / name).exists() else shared_elections() / name
    ours = allocate(read_file(path), "equalshares/add1")
    assert set(ours.selected) == pabutools_add1_deployed(path)


def test_assen_fixture_all_variants(oracle: Oracle) -> None:
    for utility, add1 in VARIANTS:
        _check_mes(oracle, FIXTURES / "Netherlands_Assen_2024.pb", utility, add1)


@pytest.mark.parametrize("name", CHOSEN)
@pytest.mark.parametrize(("utility", "add1"), VARIANTS)
def test_chosen_elections(oracle: Oracle, name: str, utility: str, add1: bool) -> None:
    _check_mes(oracle, shared_elections() / name, utility, add1)


@pytest.mark.parametrize("name", CHOSEN)
def test_phragmen_chosen(oracle: Oracle, name: str) -> None:
    path = shared_elections() / name
    assert set(allocate(read_file(path), "phragmen").selected) == oracle(path, "phragmen")


@pytest.mark.pabutools_all
@pytest.mark.parametrize("name", _shared_names())
@pytest.mark.parametrize(("utility", "add1"), VARIANTS)
def test_every_small_approval_election(oracle: Oracle, name: str, utility: str, add1: bool) -> None:
    _check_mes(oracle, _small_approval_election(name), utility, add1)


@pytest.mark.pabutools_all
@pytest.mark.parametrize("name", _shared_names())
def test_phragmen_every_small_approval_election(oracle: Oracle, name: str) -> None:
    path = _small_approval_election(name)
    assert set(allocate(read_file(path), "phragmen").selected) == oracle(path, "phragmen")
