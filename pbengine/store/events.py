"""Appending to a round's event log in the caller's transaction, and reading it back."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import bindparam, insert
from sqlmodel import Session, col, select

from pbengine.core.audit.chain import GENESIS, Event, next_event_from_text
from pbengine.core.canonical import canonical
from pbengine.store.tables import EventRow, RoundRow, utc_now

# Built once: a ballot's share of the log is these two statements, so their Python-side
# construction cost counts (bench/ballot_intake.py).
_HEAD = (
    select(EventRow.height, EventRow.hash)
    .where(EventRow.round_id == bindparam("round_id"))
    .order_by(col(EventRow.height).desc())
    .limit(1)
)
_INSERT = insert(EventRow)


class EventLog:
    """The log is written in the same transaction as the change it records, never after.

    The caller commits both or neither, and has loaded the round for change
    (locked on PostgreSQL, so concurrent changes to one round queue rather
    than race); a race that gets through anyway (SQLite's deferred
    transactions) fails on the unique height instead of forking the chain.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def append(self, row: RoundRow, type_: str, payload: Mapping[str, Any]) -> Event:
        return self.append_many(row, [(type_, payload)])[-1]

    def append_many(
        self, row: RoundRow, entries: Iterable[tuple[str, Mapping[str, Any]]]
    ) -> list[Event]:
        # A round made in this transaction gets its id here, and the head read next sees
        # every event the transaction has written.
        self.session.flush()
        assert row.id is not None
        height, parent = self._head(row.id)
        at = utc_now().isoformat()
        events, texts = [], []
        for type_, payload in entries:
            # Through JSON and back: the payload hashed is the payload stored and exported.
            text = canonical(payload)
            event = next_event_from_text(height, parent, type_, at, json.loads(text), text=text)
            events.append(event)
            texts.append(text)
            height, parent = height + 1, event.hash
        self._insert(row.id, events, texts)
        return events

    def append_texts(self, row: RoundRow, type_: str, texts: Iterable[str]) -> str:
        """Events of one kind whose payloads the caller has already encoded: each text
        must be `canonical(payload)`. For large payloads (an import's batches of ballots),
        which are neither decoded again nor returned; the new head's hash is."""
        self.session.flush()
        assert row.id is not None
        height, parent = self._head(row.id)
        at = utc_now().isoformat()
        events, written = [], []
        for text in texts:
            event = next_event_from_text(height, parent, type_, at, {}, text=text)
            events.append(event)
            written.append(text)
            height, parent = height + 1, event.hash
        self._insert(row.id, events, written)
        return parent

    def _insert(self, round_id: int, events: list[Event], texts: list[str]) -> None:
        if not events:
            return
        self.session.connection().execute(
            _INSERT,
            [
                {
                    "round_id": round_id,
                    "height": e.height,
                    "type": e.type,
                    "at": e.at,
                    "payload_json": text,
                    "parent": e.parent,
                    "hash": e.hash,
                }
                for e, text in zip(events, texts, strict=True)
            ],
        )

    def _head(self, round_id: int) -> tuple[int, str]:
        """The next height and its parent, from the log itself (indexed by round and height)."""
        last = self.session.connection().execute(_HEAD, {"round_id": round_id}).first()
        return (0, GENESIS) if last is None else (int(last[0]) + 1, str(last[1]))

    def events(self, round_id: int) -> list[Event]:
        rows = self.session.exec(
            select(EventRow).where(EventRow.round_id == round_id).order_by(col(EventRow.height))
        ).all()
        return [
            Event(r.height, r.type, r.at, json.loads(r.payload_json), r.parent, r.hash)
            for r in rows
        ]

    def head_event(self, round_id: int) -> EventRow | None:
        """The log's last event, without reading the others."""
        return self.session.exec(
            select(EventRow)
            .where(EventRow.round_id == round_id)
            .order_by(col(EventRow.height).desc())
            .limit(1)
        ).first()

    def events_of(self, round_id: int, kinds: tuple[str, ...]) -> list[Event]:
        """Only the events of these kinds, in order: a round's delivery without its ballots."""
        rows = self.session.exec(
            select(EventRow)
            .where(EventRow.round_id == round_id)
            .where(col(EventRow.type).in_(kinds))
            .order_by(col(EventRow.height))
        ).all()
        return [
            Event(r.height, r.type, r.at, json.loads(r.payload_json), r.parent, r.hash)
            for r in rows
        ]
