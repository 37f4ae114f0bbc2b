"""An imported election's ballots as its log holds them: in batches, one event each.

An imported round's ballots are stored once, in its log, as `ballots.imported`
events (core/audit/kinds.py) of up to BATCH ballots, in file order:

    {"first": 4000, "count": 2000, "attributes": ["age", "sex"],
     "ballots": [[voter, [project, ...], [points...] or null, [age, sex]], ...]}

`first` is the position of the batch's first ballot among the round's ballots,
and `attributes` names the values each ballot lists last. The log is the
ballots' only copy: the allocation reads them from it, and replay checks them
as it checks a ballot cast live. One event per ballot stored each ballot twice
(its row and its event), fourteen times the file's size (issue 16).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pbengine.core.election import Ballot
from pbengine.core.election_json import points_to_json
from pbengine.core.money import parse_amount

BATCH = 2_000
"""Ballots per event: a city of 90,000 voters is 46 events, each under 100 kB."""

_COUNT_AT_END = re.compile(r'"count":(\d+),"first":\d+}$')


def batch_payload(first: int, columns: Sequence[str], rows: list[list[Any]]) -> dict[str, Any]:
    return {"first": first, "count": len(rows), "attributes": list(columns), "ballots": rows}


def ballot_row(ballot: Ballot, columns: Sequence[str]) -> list[Any]:
    """One ballot as a batch lists it; `columns` are the attributes every ballot has."""
    return [
        ballot.voter_id,
        list(ballot.projects),
        points_to_json(ballot.points),
        [ballot.attributes[c] for c in columns],
    ]


Listed = tuple[str, list[str], list[str] | None, dict[str, str]]
"""A ballot as a batch lists it, its attributes named: voter, projects, points, attributes."""


def listed_ballots(payload: Mapping[str, Any]) -> Iterator[Listed]:
    """The batch's ballots, in order (ValueError, KeyError, TypeError: a malformed batch)."""
    columns = [str(c) for c in payload["attributes"]]
    rows = payload["ballots"]
    if payload["count"] != len(rows):
        raise ValueError(f"count {payload['count']} but {len(rows)} ballots")
    for voter, projects, points, values in rows:
        # strict: a ballot with more or fewer values than names is a ValueError
        yield str(voter), projects, points, dict(zip(columns, values, strict=True))


def ballots_of(payload: Mapping[str, Any]) -> Iterator[Ballot]:
    """The batch's ballots, as the allocation reads them (as `listed_ballots` checks them,
    made directly: a city's 90,000 are read on every allocation)."""
    columns = [str(c) for c in payload["attributes"]]
    rows = payload["ballots"]
    if payload["count"] != len(rows):
        raise ValueError(f"count {payload['count']} but {len(rows)} ballots")
    for voter, projects, points, values in rows:
        yield Ballot(
            str(voter),
            tuple(projects),
            None if points is None else tuple(map(parse_amount, points)),
            dict(zip(columns, values, strict=True)),
        )


def count_in_text(text: str) -> int:
    """A batch's ballot count, read from its canonical text without decoding it: keys are
    sorted, so the text ends with `count` and `first`."""
    found = _COUNT_AT_END.search(text)
    if found is None:
        raise ValueError("not the canonical text of a batch of imported ballots")
    return int(found.group(1))
