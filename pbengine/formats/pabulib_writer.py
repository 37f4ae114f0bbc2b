"""Write an `Election` in the pabulib `.pb` format (pabulib.org/format).

The counts `num_projects` and `num_votes` are written from the data; META
entries with a typed home in `Election` are written back from it, after the
others.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from pbengine.core.election import Election
from pbengine.core.money import plain
from pbengine.formats.pabulib_layout import AMOUNT_LIMITS, INT_LIMITS


def write_text(election: Election) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quotechar='"', lineterminator="\n")
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    for key, value in _meta_rows(election):
        writer.writerow([key, value])

    writer.writerow(["PROJECTS"])
    project_columns = _columns(p.attributes for p in election.projects)
    writer.writerow(["project_id", "cost", *project_columns])
    for p in election.projects:
        writer.writerow([p.id, plain(p.cost), *(p.attributes.get(c, "") for c in project_columns)])

    writer.writerow(["VOTES"])
    has_points = election.vote_type.has_points
    vote_columns = _columns(b.attributes for b in election.ballots)
    writer.writerow(["voter_id", "vote", *(["points"] if has_points else []), *vote_columns])
    for b in election.ballots:
        points = [",".join(plain(x) for x in b.points or ())] if has_points else []
        writer.writerow(
            [
                b.voter_id,
                ",".join(b.projects),
                *points,
                *(b.attributes.get(c, "") for c in vote_columns),
            ]
        )
    return buffer.getvalue()


def write_file(election: Election, path: str | Path) -> None:
    Path(path).write_text(write_text(election), encoding="utf-8")


def _meta_rows(election: Election) -> Iterator[tuple[str, str]]:
    typed: dict[str, str] = {
        "num_projects": str(len(election.projects)),
        "num_votes": str(len(election.ballots)),
        "budget": plain(election.budget),
        "vote_type": election.vote_type.value,
    }
    if election.rule:
        typed["rule"] = election.rule
    if election.score_threshold is not None:
        typed["min_project_score_threshold"] = plain(election.score_threshold)
    for key in (*INT_LIMITS, *AMOUNT_LIMITS):
        value = getattr(election.limits, key)
        if value is not None:
            typed[key] = str(value) if isinstance(value, int) else plain(value)
    yield from election.meta.items()
    yield from typed.items()


def _columns(rows: Iterable[Mapping[str, str]]) -> list[str]:
    """Union of the attribute columns, in the order they first appear."""
    columns: dict[str, None] = {}
    for attributes in rows:
        columns.update(dict.fromkeys(attributes))
    return list(columns)
