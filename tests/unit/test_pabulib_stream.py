"""The .pb reader as a stream: bytes decoded as they are read, votes checked as they come."""

from __future__ import annotations

from pathlib import Path

import pytest

from pbengine.formats.pabulib import PabulibError, read_file, read_stream, read_text
from tests.conftest import FIXTURES

HEAD = "META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\na;1\nb;2\n"


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.pb")), ids=lambda p: p.stem)
def test_bytes_and_text_read_to_one_election(path: Path) -> None:
    raw = path.read_bytes()
    assert read_text(raw) == read_text(raw.decode("utf-8-sig")) == read_file(path)
    assert read_text(b"\xef\xbb\xbf" + raw) == read_file(path)  # with a byte-order mark


def test_the_votes_are_read_only_as_they_are_asked_for() -> None:
    text = HEAD + "VOTES\nvoter_id;vote;age\nv1;a;30\nv2;b,a;41\nv3;z;50\n"
    stream = read_stream(text)
    # META and PROJECTS are read and checked at once; the votes wait.
    assert [p.id for p in stream.election.projects] == ["a", "b"]
    assert stream.election.ballots == ()
    assert stream.attribute_columns == ("age",)
    first = next(stream.ballots)
    assert (first.voter_id, first.projects, dict(first.attributes)) == ("v1", ("a",), {"age": "30"})
    assert next(stream.ballots).projects == ("b", "a")
    with pytest.raises(PabulibError) as bad:
        next(stream.ballots)
    assert (bad.value.line, bad.value.message) == (12, "voter 'v3' votes for unknown project 'z'")


@pytest.mark.parametrize(
    ("raw", "line", "problem"),
    [
        (HEAD.encode() + b"VOTES\nvoter_id;vote\nv1;a\nv\xff;b\n", 11, "not valid UTF-8"),
        (b"PROJECTS\nproject_id;cost\na;1\nMETA\nkey;value\n", 4, "must come in the order"),
        (HEAD.encode() + b"VOTES\nvoter_id;vote\nv1;a\nPROJECTS\n", 11, "PROJECTS appears twice"),
        (b"META\nkey;value\nbudget;1\nVOTES\nvoter_id;vote\n", 4, "needs a META and a PROJECTS"),
    ],
)
def test_a_stream_names_the_line_of_what_is_wrong(raw: bytes, line: int, problem: str) -> None:
    with pytest.raises(PabulibError) as bad:
        read_text(raw)
    assert bad.value.line == line
    assert problem in bad.value.message
