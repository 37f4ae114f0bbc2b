"""A `.pb` file's rows, section by section, read as a stream.

META and PROJECTS are small and read whole; the VOTES rows are handed on one
at a time, so that a file of half a million votes is never held as rows (a
valid 48 MB file once took a server to 8 GB, issue 15). Every section is
counted as it is read, and refused past its limit (MOST_ROWS) at the first
row too many.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from pbengine.formats.pabulib_layout import SECTIONS

MOST_ROWS = {"PROJECTS": 10_000, "VOTES": 500_000}
"""The most projects and votes a file may hold: 60 and 5 times the largest real elections
here (Łódź 2022: 160 projects, 90,494 votes). A valid file of 3.8 million votes took a
server to 8 GB before it was killed; one of a million projects took 98 s to accept."""

NEEDS = "a file needs a META and a PROJECTS section, before its VOTES"


class PabulibError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


Row = tuple[int, list[str]]


@dataclass
class Sections:
    """META and PROJECTS as rows, and the VOTES rows still to come (None: no VOTES)."""

    meta: list[Row]
    projects: list[Row]
    votes: Iterator[Row] | None


def split_sections(source: str | bytes) -> Sections:
    """Read up to the VOTES title; the votes' rows follow as the caller iterates them.

    Bytes are decoded as UTF-8 as they are read, never whole: the text of a large file
    would take up to four times its bytes again."""
    rows = _rows(source)
    head: dict[str, list[Row]] = {}
    current: list[Row] = []
    most = 0
    for line, row in rows:
        title = _title(row)
        if title is not None:
            _check_next(list(head), title, line)
            if title == "VOTES":
                if "META" not in head or "PROJECTS" not in head:
                    raise PabulibError(line, NEEDS)
                return Sections(head["META"], head["PROJECTS"], _votes(rows))
            current = head[title] = []
            # The header row counts too; META has no limit of its own.
            most = MOST_ROWS.get(title, 10**9) + 1
            continue
        if not head:
            raise PabulibError(line, "expected a section title (META, PROJECTS or VOTES)")
        current.append((line, row))
        if len(current) > most:
            raise PabulibError(line, f"more than {most - 1:,} rows in {list(head)[-1]}")
    if "META" not in head or "PROJECTS" not in head:
        raise PabulibError(1, NEEDS)
    return Sections(head["META"], head["PROJECTS"], None)


def _votes(rows: Iterator[Row]) -> Iterator[Row]:
    most = MOST_ROWS["VOTES"] + 1  # with the header row
    for count, (line, row) in enumerate(rows, start=1):
        title = _title(row) if len(row) == 1 else None
        if title is not None:
            # VOTES comes last, after META and PROJECTS: any title now is a second one.
            raise PabulibError(line, f"section {title} appears twice")
        if count > most:
            raise PabulibError(line, f"more than {most - 1:,} rows in VOTES")
        yield line, row


def _check_next(seen: list[str], title: str, line: int) -> None:
    if title in seen:
        raise PabulibError(line, f"section {title} appears twice")
    if seen and SECTIONS.index(title) < SECTIONS.index(seen[-1]):
        raise PabulibError(
            line, f"sections must come in the order META, PROJECTS, VOTES, not {[*seen, title]}"
        )


def _title(row: list[str]) -> str | None:
    if len(row) == 1:
        title = row[0].strip().upper()
        if title in SECTIONS:
            return title
    return None


def _rows(source: str | bytes) -> Iterator[Row]:
    """Each row with a cell that is not blank, with the line it starts on."""
    lines: io.TextIOBase = (
        io.StringIO(source.removeprefix("\ufeff"), newline="")
        if isinstance(source, str)
        else io.TextIOWrapper(io.BytesIO(source), encoding="utf-8-sig", newline="")
    )
    reader = csv.reader(lines, delimiter=";", quotechar='"')
    start = 1
    try:
        for row in reader:
            line = start
            start = reader.line_num + 1
            # Blank when all its cells are: one join instead of a test per cell.
            if not "".join(row).strip():
                continue
            yield line, row
    except csv.Error as exc:
        raise PabulibError(reader.line_num, f"unreadable CSV: {exc}") from None
    except UnicodeDecodeError:
        # Decoded ahead of the rows: find the first bad byte's line in the bytes themselves.
        assert isinstance(source, bytes)
        raise PabulibError(_bad_byte_line(source), "not valid UTF-8") from None


def _bad_byte_line(raw: bytes) -> int:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return raw.count(b"\n", 0, exc.start) + 1
    return 0
