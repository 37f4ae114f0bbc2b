"""Appending to a round's event log in the caller's transaction, and reading it back."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from pbengine.core.audit.chain import Event, next_event
from pbengine.core.canonical import canonical
from pbengine.store.tables import EventRow, RoundRow, utc_now


class EventLog:
    """The log is written in the same transaction as the change it records, never after.

    The caller commits both or neither. On PostgreSQL the round's row is locked
    while the head is read, so concurrent changes to one round queue rather than
    race; a race that gets through anyway (SQLite) fails on the unique height.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def append(self, row: RoundRow, type_: str, payload: Mapping[str, Any]) -> Event:
        return self.append_many(row, [(type_, payload)])[-1]

    def append_many(
        self, row: RoundRow, entries: Iterable[tuple[str, Mapping[str, Any]]]
    ) -> list[Event]:
        assert row.id is not None, "flush the round before logging its events"
        height, parent = self._head(row)
        at = utc_now().isoformat()
        events = []
        for type_, payload in entries:
            # Through JSON and back: the payload hashed is the payload stored and exported.
            plain: dict[str, Any] = json.loads(canonical(payload))
            event = next_event(height, parent, type_, at, plain)
            events.append(event)
            height, parent = height + 1, event.hash
        if events:
            self.session.execute(
                insert(EventRow),
                [
                    {
                        "round_id": row.id,
                        "height": e.height,
                        "type": e.type,
                        "at": e.at,
                        "payload_json": canonical(e.payload),
                        "parent": e.parent,
                        "hash": e.hash,
                    }
                    for e in events
                ],
            )
        row.log_height, row.log_head = height, parent
        self.session.add(row)
        return events

    def _head(self, row: RoundRow) -> tuple[int, str]:
        locked = self.session.exec(
            select(RoundRow.log_height, RoundRow.log_head)
            .where(RoundRow.id == row.id)
            .with_for_update()
        ).first()
        if locked is None:  # created in this transaction and not yet flushed
            return row.log_height, row.log_head
        return int(locked[0]), str(locked[1])

    def events(self, round_id: int) -> list[Event]:
        rows = self.session.exec(
            select(EventRow).where(EventRow.round_id == round_id).order_by(col(EventRow.height))
        ).all()
        return [
            Event(r.height, r.type, r.at, json.loads(r.payload_json), r.parent, r.hash)
            for r in rows
        ]
