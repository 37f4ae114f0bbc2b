"""A pabulib file made ready to import: read, checked, and its ballots encoded for the log.

All of it happens before the import's transaction begins, so that the
transaction only writes: on SQLite, where one writer at a time holds the
database, every other change waits for that transaction alone (a fraction of
a second for a city), not for the parse. Ballots are read one at a time and
kept only as the canonical text of their batches (core/imported_ballots.py),
a little more than the file itself, never as rows and objects (issue 15: a
48 MB file once took the server to 8 GB).
"""

from __future__ import annotations

from dataclasses import dataclass

from pbengine.core.canonical import canonical
from pbengine.core.election import Election
from pbengine.core.imported_ballots import BATCH, ballot_row, batch_payload
from pbengine.formats.pabulib import read_stream
from pbengine.service.bulk import bulk_work
from pbengine.service.errors import InvalidError


@dataclass(frozen=True)
class ReadyImport:
    election: Election
    """The file's election without its ballots, which `batches` hold."""
    batches: list[str]
    """The payloads of the ballots.imported events, as canonical JSON text."""
    ballots: int


def ready_import(source: str | bytes) -> ReadyImport:
    """The file read and checked (PabulibError names the line; InvalidError a second ballot
    of one voter), its ballots in batches."""
    stream = read_stream(source)
    columns = stream.attribute_columns
    seen: set[str] = set()
    batches: list[str] = []
    rows: list[list[object]] = []
    with bulk_work():
        for ballot in stream.ballots:
            if ballot.voter_id in seen:
                raise InvalidError(
                    f"voter {ballot.voter_id!r} has two ballots; one per voter", "body"
                )
            seen.add(ballot.voter_id)
            rows.append(ballot_row(ballot, columns))
            if len(rows) == BATCH:
                batches.append(canonical(batch_payload(len(seen) - BATCH, columns, rows)))
                rows = []
        if rows:
            batches.append(canonical(batch_payload(len(seen) - len(rows), columns, rows)))
    return ReadyImport(stream.election, batches, len(seen))
