"""An imported round's ballots, read from the log that is their only copy.

They are stored as batches in `ballots.imported` events (core/imported_ballots.py), in
file order; rounds imported before that hold theirs as rows, as live rounds do.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from sqlmodel import Session, col, select

from pbengine.core.audit import kinds
from pbengine.core.election import Ballot
from pbengine.core.imported_ballots import ballots_of, count_in_text
from pbengine.store.tables import EventRow


def imported_ballots(session: Session, round_id: int) -> Iterator[Ballot]:
    for text in _batches(session, round_id):
        yield from ballots_of(json.loads(text))


def imported_count(session: Session, round_id: int) -> int:
    return sum(count_in_text(text) for text in _batches(session, round_id))


def _batches(session: Session, round_id: int) -> Iterator[str]:
    yield from session.exec(
        select(EventRow.payload_json)
        .where(EventRow.round_id == round_id, EventRow.type == kinds.BALLOTS_IMPORTED)
        .order_by(col(EventRow.height))
    )
