"""Ballot secrecy in the record: the openings auditors get, and the published ballot list.

A live round's ballot.cast events hold commitments (core/audit/commitment.py). The full
record adds, for each counted ballot, its opening; the published record adds instead the
counted ballots' contents, sorted, with neither nonce nor voter key, so that no tracker
maps to a ballot (docs/audit.md, "Ballot secrecy").
"""

from __future__ import annotations

import json
from typing import Any

from pbengine.core.audit import kinds
from pbengine.core.audit.chain import Event
from pbengine.core.audit.commitment import ballot_contents, sort_key
from pbengine.core.phases import AFTER_PUBLICATION, Phase
from pbengine.service.errors import ConflictError
from pbengine.service.events import ballot_nonce
from pbengine.store.tables import BallotRow, RoundRow
from pbengine.store.unit_of_work import UnitOfWork


def committed(events: list[Event]) -> set[str]:
    """The trackers of the ballots the log holds as commitments."""
    return {e.hash for e in events if e.type == kinds.BALLOT_CAST and "commitment" in e.payload}


def openings(uow: UnitOfWork, round_id: int, events: list[Event]) -> dict[str, Any] | None:
    """Each counted ballot's nonce and contents, by tracker; None for a log without
    commitments (imported rounds, and rounds logged before them)."""
    sealed = committed(events)
    if not sealed:
        return None
    return {
        str(row.receipt): {
            "nonce": ballot_nonce(round_id, row.voter_key, row.replaced),
            "ballot": contents_of(row),
        }
        for row in uow.ballots.ballots(round_id)
        if row.receipt in sealed
    }


def published_ballots(uow: UnitOfWork, row: RoundRow, events: list[Event]) -> list[dict[str, Any]]:
    """The counted ballots' contents in an order of their own, for anyone once published."""
    if Phase(row.phase) not in AFTER_PUBLICATION:
        raise ConflictError(
            f"the published record is public once the result is published; round {row.id} "
            f"is in '{row.phase}'",
            "phase",
        )
    shown = [
        e.hash
        for e in events
        if e.type == kinds.BALLOT_CAST
        and "commitment" not in e.payload
        and e.payload.get("channel") != "import"
    ]
    if shown:
        raise ConflictError(
            f"round {row.id}'s log holds {len(shown)} ballots from before ballots were "
            "committed to: the chain shows them, so no published record can hide them",
            "published",
        )
    assert row.id is not None
    sealed = committed(events)
    contents = [contents_of(b) for b in uow.ballots.ballots(row.id) if b.receipt in sealed]
    return sorted(contents, key=sort_key)


def contents_of(row: BallotRow) -> dict[str, Any]:
    return ballot_contents(
        json.loads(row.projects_json),
        None if row.points_json is None else json.loads(row.points_json),
        json.loads(row.outcomes_json or "[]"),
        json.loads(row.attributes_json or "{}"),
    )
