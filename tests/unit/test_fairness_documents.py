"""Fairness documents: every preset in rules/ loads, validates and runs; bad ones are refused."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from pbengine.core.fairness.enforce import allocate_fairly
from pbengine.core.fairness.spec import RoundFacts
from pbengine.formats.fairness_document import (
    FairnessDocumentError,
    load_file,
    load_preset,
    parse_document,
    preset_names,
)
from pbengine.formats.pabulib import read_file
from tests.conftest import FIXTURES

PRESETS = [
    "equal-shares",
    "equal-shares-districts",
    "max-welfare-with-floors",
    "outcome-shares",
    "threshold-greedy",
    "warsaw-greedy",
]


def test_the_presets_the_issue_asks_for_ship() -> None:
    assert preset_names() == PRESETS


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_loads_validates_and_runs(name: str) -> None:
    document = load_preset(name)
    assert document.description
    # Assen, given what a round would add: districts, outcomes, voters' home districts.
    assen = read_file(FIXTURES / "Netherlands_Assen_2024.pb")
    halves = ("North", "South")
    election = replace(
        assen,
        projects=tuple(
            replace(
                p, attributes={**p.attributes, "district": halves[i % 2], "outcomes": "ab"[i % 2]}
            )
            for i, p in enumerate(assen.projects)
        ),
        ballots=tuple(
            replace(b, attributes={**b.attributes, "district": halves[i % 3 == 0]})
            for i, b in enumerate(assen.ballots)
        ),
    )
    facts = RoundFacts(
        district_populations={"North": 6000, "South": 4000},
        outcome_keys=("a", "b"),
        outcome_votes=(("a", "b"), ("b",), ("a",)),
    )
    fair = allocate_fairly(election, document.spec(default_rule="greedy"), facts)
    costs = election.costs()
    assert sum(costs[p] for p in fair.outcome.selected) <= election.budget
    assert all(c.excess == 0 for c in fair.checks)
    assert len(fair.outcome.decisions) == len(election.projects)
    assert fair.outcome.selected, "every preset funds something here"


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ('rule = "greedy"\nbudgett = 3\n', "budgett", "not permitted"),
        ('rule = "dice"\n', "(document)", "unknown rule"),
        ('[categories.floors]\ngreen = "120%"\n', "categories.floors.green", "more than the whole"),
        ('[districts.floors]\na = "60%"\nb = "50%"\n', "districts", "add up to 110%"),
        ("[districts.floors]\nN = 500\n[districts.caps]\nN = 100\n", "districts", "above its cap"),
        ('[districts]\nfloor = "wealth"\n', "districts.floor", "population"),
        ("[support]\nmin_votes = 1.5\n", "support.min_votes", "whole numbers or strings"),
        ('exclusive = [["a", "b"]]\ntogether = [["a", "b"]]\n', "together", "mutually exclusive"),
        ("rule = \n", "(syntax)", "Invalid value"),
    ],
)
def test_bad_documents_name_the_file_the_key_and_the_problem(
    tmp_path: Path, text: str, key: str, words: str
) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FairnessDocumentError) as refused:
        load_file(path)
    assert refused.value.source == str(path)
    assert refused.value.key == key
    assert words in refused.value.problem
    assert str(path) in str(refused.value)


def test_category_floors_over_the_whole_budget_wait_for_the_election(tmp_path: Path) -> None:
    # A project in both categories counts for both: only the election can show it impossible.
    path = tmp_path / "overlap.toml"
    path.write_text('[categories.floors]\ngreen = "60%"\nroads = "60%"\n', encoding="utf-8")
    assert load_file(path).spec().category_floors


def test_unknown_preset_lists_the_known_ones() -> None:
    with pytest.raises(FairnessDocumentError, match="presets: equal-shares"):
        load_preset("fairest")


def test_inline_document_round_trips_to_the_same_spec() -> None:
    document = parse_document(
        {"rule": "max-welfare", "categories": {"floors": {"green": "25%"}, "caps": {"roads": 9}}},
        "inline",
    )
    again = parse_document(document.model_dump(exclude_none=True), "stored")
    assert again.spec() == document.spec()
