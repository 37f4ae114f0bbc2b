"""The round record auditors export and replay, and the public list of ballot trackers."""

from __future__ import annotations

import copy
from typing import Any

from sqlmodel import Session

import pbengine
from pbengine.core.audit import kinds
from pbengine.core.audit.chain import GENESIS, Event
from pbengine.core.phases import ORDER, Phase
from pbengine.service.access import config_of, get_round, readable_record
from pbengine.service.errors import ForbiddenError, Principal
from pbengine.service.replay import RECORD_FORMAT
from pbengine.store.events import EventLog
from pbengine.store.repository import RoundRepository


class AuditService:
    def __init__(self, session: Session) -> None:
        self.rounds = RoundRepository(session)
        self.log = EventLog(session)

    def record(self, principal: Principal, round_id: int) -> dict[str, Any]:
        """Everything needed to check the round without its database (see service/replay.py)."""
        row = readable_record(self.rounds, principal, round_id)
        config = config_of(self.rounds, row)
        events = self.log.events(round_id)
        allocations = [e for e in events if e.type == kinds.ALLOCATION_COMPUTED]
        # A copy: the record's result is checked against the log's, so it must not be the
        # same object as the one inside the allocation event.
        result = copy.deepcopy(allocations[-1].payload["result"]) if allocations else None
        return {
            "format": RECORD_FORMAT,
            "engine": {"name": "pbengine", "version": pbengine.__version__},
            "round": {"id": round_id, "title": row.title, "council": row.council},
            "rules": {
                "rule": config.effective_rule,
                "fairness": None if config.fairness is None else config.fairness.document,
            },
            "events": [e.to_json() for e in events],
            "head": {"height": len(events), "hash": events[-1].hash if events else GENESIS},
            "result": result,
            "result_hash": allocations[-1].payload["result_hash"] if allocations else None,
        }

    def trackers(self, round_id: int) -> dict[str, Any]:
        """The trackers of the ballots that count; a replaced ballot's tracker is not here."""
        row = get_round(self.rounds, round_id)
        if ORDER.index(Phase(row.phase)) <= ORDER.index(Phase.VOTING):
            raise ForbiddenError("trackers are public once voting closes", "phase")
        counted = _counted(self.log.events(round_id))
        return {"round": round_id, "ballots": len(counted), "trackers": sorted(counted)}


def _counted(events: list[Event]) -> list[str]:
    latest: dict[str, str] = {}
    for event in events:
        if event.type == kinds.BALLOT_CAST:
            latest[str(event.payload["voter"])] = event.hash
    return list(latest.values())
