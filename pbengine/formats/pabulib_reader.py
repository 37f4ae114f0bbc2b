"""Read the pabulib `.pb` format (pabulib.org/format) into an `Election`.

The reader tolerates what real files contain: a byte-order mark, CRLF line
ends, quoted cells holding `;`, decimal costs (with a point or a comma),
`key; value` with a space, empty ballots, extra columns and projects nobody
voted for. Anything it cannot make sense of raises `PabulibError` naming the
line and the problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

from pbengine.core.election import Ballot, BallotLimits, Election, Project, VoteType
from pbengine.core.money import parse_amount
from pbengine.formats.pabulib_layout import (
    AMOUNT_LIMITS,
    INT_LIMITS,
    MISSING,
    TYPED_KEYS,
)
from pbengine.formats.pabulib_sections import (
    MOST_ROWS,
    PabulibError,
    Row,
    split_sections,
)

__all__ = [
    "MOST_ROWS",
    "PabulibError",
    "PabulibStream",
    "exclusive_sets_from_comment",
    "read_file",
    "read_stream",
    "read_text",
]


def read_file(path: str | Path) -> Election:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise PabulibError(0, f"cannot read file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PabulibError(raw.count(b"\n", 0, exc.start) + 1, "not valid UTF-8") from None
    return read_text(text)


def read_text(text: str | bytes) -> Election:
    stream = read_stream(text)
    return replace(stream.election, ballots=tuple(stream.ballots))


@dataclass
class PabulibStream:
    """A file read up to its votes: the election without its ballots, and the ballots as
    they are read. Each is checked as it comes; an error in any raises PabulibError."""

    election: Election
    """Everything but the ballots (`ballots` is empty)."""
    ballots: Iterator[Ballot]
    attribute_columns: tuple[str, ...]
    """The VOTES columns each ballot's attributes hold, in file order."""


def read_stream(source: str | bytes) -> PabulibStream:
    """Read META and PROJECTS now, and the VOTES one row at a time as `ballots` is iterated.

    Bytes are decoded as they are read (UTF-8, with or without a byte-order mark)."""
    sections = split_sections(source)
    meta, meta_lines = _read_meta(sections.meta)
    vote_type = _vote_type(meta, meta_lines)
    projects = _read_projects(sections.projects)
    known = {p.id for p in projects}
    election = Election(
        budget=_meta_amount(meta, meta_lines, "budget", required=True) or Fraction(0),
        vote_type=vote_type,
        projects=tuple(projects),
        ballots=(),
        rule=meta.get("rule", "").strip(),
        limits=_limits(meta, meta_lines),
        score_threshold=_meta_amount(meta, meta_lines, "min_project_score_threshold"),
        meta={k: v for k, v in meta.items() if k not in TYPED_KEYS},
        exclusive_sets=exclusive_sets_from_comment(meta.get("comment", ""), known),
    )
    if sections.votes is None:
        return PabulibStream(election, iter(()), ())
    columns, body = _votes_header(sections.votes, vote_type)
    attributes = tuple(c for c in columns if c not in ("voter_id", "vote", "points"))
    return PabulibStream(election, _read_votes(columns, body, known, vote_type), attributes)


# Warsaw's files state conflicting projects in prose, e.g. "projects 201 and 1932
# both targeted the Serek Bielański area ... could not be implemented simultaneously".
_EXCLUSIVE = re.compile(
    r"projects\s+([\w/.-]+)\s+and\s+([\w/.-]+)[^#]*?could not be implemented simultaneously",
    re.IGNORECASE,
)


def exclusive_sets_from_comment(comment: str, known: set[str]) -> tuple[frozenset[str], ...]:
    """Mutually exclusive projects named in a META comment (only ids that exist)."""
    found = []
    for match in _EXCLUSIVE.finditer(comment):
        pair = frozenset(match.groups())
        if pair <= known and len(pair) == 2:
            found.append(pair)
    return tuple(found)


def _header(rows: list[Row], section: str, first: str) -> tuple[list[str], list[Row]]:
    if not rows:
        raise PabulibError(0, f"section {section} has no header row")
    line, header = rows[0]
    columns = [cell.strip() for cell in header]
    if not columns or columns[0] != first:
        raise PabulibError(line, f"the {section} header must start with '{first}'")
    duplicates = {c for c in columns if columns.count(c) > 1}
    if duplicates:
        raise PabulibError(line, f"duplicate column {sorted(duplicates)[0]!r} in {section}")
    return columns, rows[1:]


def _read_meta(rows: list[Row]) -> tuple[dict[str, str], dict[str, int]]:
    meta: dict[str, str] = {}
    lines: dict[str, int] = {}
    body = rows[1:] if rows and rows[0][1][0].strip() == "key" else rows
    for line, row in body:
        key = row[0].strip()
        if len(row) < 2:
            raise PabulibError(line, f"META entry {key!r} has no value")
        # An unquoted value that itself contains ';' arrives split: join it back.
        meta[key] = ";".join(row[1:]).strip()
        lines[key] = line
    return meta, lines


def _vote_type(meta: dict[str, str], lines: dict[str, int]) -> VoteType:
    raw = meta.get("vote_type", "approval").strip().lower()
    try:
        return VoteType(raw)
    except ValueError:
        allowed = ", ".join(v.value for v in VoteType)
        raise PabulibError(
            lines.get("vote_type", 0), f"vote_type {raw!r} is not one of {allowed}"
        ) from None


def _meta_amount(
    meta: dict[str, str], lines: dict[str, int], key: str, *, required: bool = False
) -> Fraction | None:
    raw = meta.get(key, "").strip()
    if not raw or raw.lower() == MISSING:
        if required:
            raise PabulibError(lines.get(key, 0), f"META has no {key}")
        return None
    try:
        return parse_amount(raw)
    except ValueError:
        raise PabulibError(lines[key], f"META {key} {raw!r} is not a number") from None


def _limits(meta: dict[str, str], lines: dict[str, int]) -> BallotLimits:
    values: dict[str, int | Fraction | None] = {}
    for key in INT_LIMITS:
        amount = _meta_amount(meta, lines, key)
        if amount is not None and amount.denominator != 1:
            raise PabulibError(lines[key], f"META {key} must be a whole number")
        values[key] = None if amount is None else int(amount)
    for key in AMOUNT_LIMITS:
        values[key] = _meta_amount(meta, lines, key)
    return BallotLimits(**values)  # type: ignore[arg-type]


def _cells(line: int, row: list[str], columns: list[str], section: str) -> dict[str, str]:
    fitted = _fitted(line, row, len(columns), section)
    return {column: fitted[i].strip() for i, column in enumerate(columns)}


def _fitted(line: int, row: list[str], width: int, section: str) -> list[str]:
    """A row cut or padded to its header's width: blank cells past it are dropped."""
    if len(row) > width and any(cell.strip() for cell in row[width:]):
        raise PabulibError(line, f"{section} row has {len(row)} cells but the header has {width}")
    return (row + [""] * width)[:width]


def _read_projects(rows: list[Row]) -> list[Project]:
    columns, body = _header(rows, "PROJECTS", "project_id")
    if "cost" not in columns:
        raise PabulibError(rows[0][0], "the PROJECTS header has no 'cost' column")
    projects: list[Project] = []
    seen: set[str] = set()
    for line, row in body:
        cells = _cells(line, row, columns, "PROJECTS")
        project_id = cells.pop("project_id")
        if not project_id:
            raise PabulibError(line, "project without a project_id")
        if project_id in seen:
            raise PabulibError(line, f"project {project_id!r} is listed twice")
        seen.add(project_id)
        raw_cost = cells.pop("cost")
        try:
            cost = parse_amount(raw_cost)
        except ValueError:
            raise PabulibError(
                line, f"project {project_id!r} has cost {raw_cost!r}, not a number"
            ) from None
        if cost < 0:
            raise PabulibError(line, f"project {project_id!r} has a negative cost")
        projects.append(Project(project_id, cost, cells))
    return projects


def _votes_header(rows: Iterator[Row], vote_type: VoteType) -> tuple[list[str], Iterator[Row]]:
    first = next(rows, None)
    if first is None:
        return ["voter_id", "vote"], iter(())
    columns, _ = _header([first], "VOTES", "voter_id")
    if "vote" not in columns:
        raise PabulibError(first[0], "the VOTES header has no 'vote' column")
    if vote_type.has_points and "points" not in columns:
        raise PabulibError(first[0], f"{vote_type} votes need a 'points' column")
    return columns, rows


def _read_votes(
    columns: list[str], rows: Iterable[Row], known: set[str], vote_type: VoteType
) -> Iterator[Ballot]:
    # The hot loop of a large file (90,494 rows in Łódź 2022): cells are read by their
    # column's position, without building a dict of every cell per row first.
    width = len(columns)
    vote_at = columns.index("vote")
    points_at = columns.index("points") if "points" in columns else None
    kept = [(i, column) for i, column in enumerate(columns) if column not in _BALLOT_COLUMNS]
    # A city's ballots repeat the same few lists (23,571 distinct cells among Łódź's
    # 90,494): each distinct cell is split and checked once, and its ballots share
    # one tuple (Election.ballot_lists, counting them, then finds equal keys by a pointer test).
    listed: dict[str, tuple[str, ...]] = {}
    for line, read in rows:
        row = read if len(read) == width else _fitted(line, read, width, "VOTES")
        voter_id = row[0].strip()
        cell = row[vote_at]
        chosen = listed.get(cell)
        if chosen is None:
            chosen = listed[cell] = _listed(cell)
            if not known.issuperset(chosen):
                unknown = next(pid for pid in chosen if pid not in known)
                raise PabulibError(
                    line, f"voter {voter_id!r} votes for unknown project {unknown!r}"
                )
        raw_points = None if points_at is None else row[points_at].strip()
        points = _points(line, voter_id, raw_points, chosen, vote_type)
        yield Ballot(voter_id, chosen, points, {column: row[i].strip() for i, column in kept})


_BALLOT_COLUMNS = ("voter_id", "vote", "points")


def _listed(raw: str) -> tuple[str, ...]:
    """A comma-separated cell's items, stripped, empty ones left out; `none`: no items."""
    raw = raw.strip()
    if len(raw) == len(MISSING) and raw.lower() == MISSING:
        return ()
    parts = raw.split(",")
    # Most cells hold no whitespace at all (one split in C tells): nothing to strip.
    if len(raw.split()) > 1:
        parts = [part.strip() for part in parts]
    return tuple(part for part in parts if part) if "" in parts else tuple(parts)


def _points(
    line: int, voter_id: str, raw: str | None, chosen: tuple[str, ...], vote_type: VoteType
) -> tuple[Fraction, ...] | None:
    if raw is None or not vote_type.has_points:
        return None
    try:
        points = tuple(parse_amount(p) for p in _listed(raw))
    except ValueError:
        raise PabulibError(
            line, f"voter {voter_id!r} has points {raw!r} that are not numbers"
        ) from None
    if len(points) != len(chosen):
        raise PabulibError(
            line, f"voter {voter_id!r} has {len(chosen)} projects but {len(points)} points"
        )
    return points
