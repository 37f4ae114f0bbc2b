from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pbengine.core.election import VoteType
from pbengine.formats.pabulib import PabulibError, read_file, read_text, write_text
from pbengine.formats.pabulib_reader import _listed
from tests.conftest import FIXTURES
from tests.elections import scored_elections

QUIRKY = (
    "\ufeffMETA\r\n"
    "key; value\r\n"
    'description;"Budget; with a semicolon"\r\n'
    "budget;1000,50\r\n"
    "vote_type;approval\r\n"
    "rule;greedy\r\n"
    "min_length;1\r\n"
    "PROJECTS\r\n"
    "project_id;cost;name;extra_column\r\n"
    '1;400.25;"Park; benches";x\r\n'
    "2;700;Library;\r\n"
    "3;999999999;Withdrawn;\r\n"
    "4;50;Nobody voted;\r\n"
    "VOTES\r\n"
    "voter_id;vote;age\r\n"
    "a;1,2;34\r\n"
    "b;;\r\n"
    "c;2;none\r\n"
)


def test_reads_real_world_quirks() -> None:
    election = read_text(QUIRKY)
    assert election.budget == Fraction("1000.5")
    assert election.meta["description"] == "Budget; with a semicolon"
    assert election.vote_type is VoteType.APPROVAL
    assert election.limits.min_length == 1
    assert [p.id for p in election.projects] == ["1", "2", "3", "4"]
    assert election.project("1").cost == Fraction("400.25")
    assert election.project("1").name == "Park; benches"
    assert election.project("3").withdrawn
    assert [b.projects for b in election.ballots] == [("1", "2"), (), ("2",)]
    assert election.ballots[0].attributes == {"age": "34"}


def test_round_trip_keeps_everything() -> None:
    election = read_text(QUIRKY)
    assert read_text(write_text(election)) == election


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.pb")), ids=lambda p: p.name)
def test_round_trip_of_real_fixtures(path: Path) -> None:
    election = read_file(path)
    again = read_text(write_text(election))
    assert again == election
    assert len(again.ballots) == len(election.ballots) > 0


@settings(max_examples=60, deadline=None)
@given(scored_elections())
def test_round_trip_of_generated_elections(election) -> None:  # type: ignore[no-untyped-def]
    assert read_text(write_text(election)) == election


def test_project_model_reads_typed_attributes() -> None:
    text = (
        "META\nkey;value\nbudget;10\nPROJECTS\n"
        "project_id;cost;name;category;beneficiaries;district;latitude;longitude\n"
        "a;5;Park;green,sport;children,seniors;Ochota;52.2199;20.9840\n"
        "b;5;Bench;;;;none;\n"
    )
    a, b = read_text(text).projects
    assert (a.name, a.categories, a.targets, a.district) == (
        "Park",
        ("green", "sport"),
        ("children", "seniors"),
        "Ochota",
    )
    assert (a.latitude, a.longitude) == (Fraction("52.2199"), Fraction("20.9840"))
    assert (b.categories, b.district, b.latitude, b.longitude) == ((), None, None, None)


def test_points_and_ordinal_orders_survive() -> None:
    text = (
        "META\nkey;value\nbudget;10\nvote_type;cumulative\nPROJECTS\nproject_id;cost\na;5\nb;5\n"
        "VOTES\nvoter_id;vote;points\n1;b,a;3,2\n"
    )
    election = read_text(text)
    assert election.ballots[0].projects == ("b", "a")
    assert election.ballots[0].points == (Fraction(3), Fraction(2))
    assert read_text(write_text(election)) == election


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("META\nkey;value\nvote_type;approval\nPROJECTS\nproject_id;cost\n", 0, "no budget"),
        ("META\nkey;value\nbudget;ten\nPROJECTS\nproject_id;cost\n", 3, "not a number"),
        (
            "META\nkey;value\nbudget;10\nvote_type;secret\nPROJECTS\nproject_id;cost\n",
            4,
            "vote_type",
        ),
        ("META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\na;cheap\n", 6, "cost 'cheap'"),
        ("META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\na;1\na;2\n", 7, "listed twice"),
        (
            "META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\na;1\nVOTES\nvoter_id;vote\nv;a,z\n",
            9,
            "unknown project 'z'",
        ),
        (
            # A cell read before is not checked again, but its first reading names its line.
            "META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\na;1\nVOTES\nvoter_id;vote\n"
            "u;a\nv;a,z\nw;a,z\n",
            10,
            "voter 'v' votes for unknown project 'z'",
        ),
        ("META\nkey;value\nbudget;10\nPROJECTS\nid;cost\n", 5, "must start with 'project_id'"),
        ("hello\n", 1, "expected a section title"),
        ("META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\na;1;2;3\n", 6, "cells"),
        (
            "META\nkey;value\nbudget;10\nvote_type;cumulative\nPROJECTS\nproject_id;cost\na;1\n"
            "VOTES\nvoter_id;vote;points\nv;a;1,2\n",
            10,
            "1 projects but 2 points",
        ),
    ],
)
def test_malformed_files_name_line_and_problem(text: str, line: int, problem: str) -> None:
    with pytest.raises(PabulibError) as info:
        read_text(text)
    assert info.value.line == line
    assert problem in info.value.message


def test_unreadable_file_is_a_pabulib_error(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.pb"
    bad.write_bytes("META\nkey;value\ndescription;Łódź\n".encode("utf-16"))
    with pytest.raises(PabulibError, match="UTF-8"):
        read_file(bad)


def _huge(projects: int, votes: int) -> str:
    head = "META\nkey;value\nnum_projects;1\nbudget;100\nvote_type;approval\n"
    listed = "".join(f"p{i};10\n" for i in range(projects))
    cast = "".join(f"{i};p0\n" for i in range(votes))
    return f"{head}PROJECTS\nproject_id;cost\n{listed}VOTES\nvoter_id;vote\n{cast}"


@pytest.mark.parametrize(
    ("projects", "votes", "section", "limit"),
    [(10_001, 1, "PROJECTS", "10,000"), (1, 500_001, "VOTES", "500,000")],
)
def test_files_past_the_size_limits_are_refused_naming_them(
    projects: int, votes: int, section: str, limit: str
) -> None:
    with pytest.raises(PabulibError) as refused:
        read_text(_huge(projects, votes))
    assert refused.value.message == f"more than {limit} rows in {section}"
    # The line is the first row past the limit: the header rows come first.
    header_lines = 7 if section == "PROJECTS" else 7 + projects + 2
    assert refused.value.line == header_lines + int(limit.replace(",", "")) + 1


def test_files_at_the_size_limits_are_read() -> None:
    assert len(read_text(_huge(10_000, 1)).projects) == 10_000


@settings(max_examples=500)
@given(st.text(alphabet=" \t\u00a0,abNnOoEe", max_size=14))
def test_a_list_cell_reads_as_its_stripped_nonempty_items(raw: str) -> None:
    # The reader skips the per-item strip when the cell holds no whitespace: same result.
    stripped = raw.strip()
    items = tuple(part.strip() for part in stripped.split(",") if part.strip())
    assert _listed(raw) == (() if stripped.lower() == "none" else items)


@given(
    st.lists(
        st.sampled_from(["a,b", "b,a", " a , b", "a", "none", "", "b,,a", "a,b "]), max_size=12
    )
)
def test_ballots_repeating_a_cell_read_as_each_would_alone(cells: list[str]) -> None:
    # The reader splits each distinct cell once (pabulib_reader._read_votes): every ballot
    # still gets its own cell's list, whatever was read before it.
    votes = "".join(f"v{i};{cell};{i}\n" for i, cell in enumerate(cells))
    text = (
        "META\nkey;value\nbudget;10\nvote_type;approval\nPROJECTS\nproject_id;cost\na;1\nb;2\n"
        f"VOTES\nvoter_id;vote;age\n{votes}"
    )
    ballots = read_text(text).ballots
    assert [b.projects for b in ballots] == [_listed(cell) for cell in cells]
    assert [dict(b.attributes) for b in ballots] == [{"age": str(i)} for i in range(len(cells))]
