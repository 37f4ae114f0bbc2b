"""The 267 real elections beside the project: reproduce what the cities funded."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from pbengine.formats.pabulib import read_file, read_text, write_text
from pbengine.verification import verify

MES_ELECTIONS = (
    "Poland_Swiecie_2023.pb",
    "Poland_Wieliczka_2023_Green_Budget.pb",
    "Netherlands_Assen_2024.pb",
)


def test_every_runnable_election_matches_the_city(shared: Path) -> None:
    statuses: Counter[tuple[str, str]] = Counter()
    differ = []
    for path in sorted(shared.glob("*.pb")):
        election = read_file(path)
        verdict = verify(election)
        statuses[(election.rule, verdict.status)] += 1
        if verdict.status == "differ":
            differ.append((path.name, verdict.missing, verdict.extra))
    assert differ == []  # docs/verification.md explains every file that is skipped
    for rule in (
        "greedy",
        "greedy-threshold",
        "greedy-no-skip",
        "greedy-exclusive",
        "greedy-custom",
    ):
        assert statuses[(rule, "matched")] > 0
    assert statuses[("equalshares/add1", "matched")] == 2
    assert statuses[("equalshares/add1-comparison", "matched")] == 1
    assert sum(n for (_, status), n in statuses.items() if status == "matched") == 216


@pytest.mark.parametrize("name", MES_ELECTIONS)
def test_equal_shares_elections(shared: Path, name: str) -> None:
    assert verify(read_file(shared / name)).status == "matched"


def test_every_file_round_trips(shared: Path) -> None:
    for path in sorted(shared.glob("*.pb")):
        election = read_file(path)
        assert read_text(write_text(election)) == election, path.name
