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
from pbengine.service.errors import OPERATOR, ConflictError, ForbiddenError, Principal
from pbengine.service.replay import RECORD_FORMAT
from pbengine.service.replies import (
    ChainHead,
    EngineInfo,
    RecordEvent,
    RecordHead,
    RecordRound,
    RecordRules,
    RoundRecord,
    Trackers,
)
from pbengine.service.secrecy import openings, published_ballots
from pbengine.service.signed import checkpoints_of, public_keys
from pbengine.service.signed_replies import Checkpoints
from pbengine.store.tables import RoundRow
from pbengine.store.unit_of_work import UnitOfWork


class AuditService:
    def __init__(self, work: UnitOfWork | Session) -> None:
        self.uow = UnitOfWork.of(work)

    def record(self, principal: Principal, round_id: int) -> RoundRecord:
        """Everything needed to check the round without its database (see service/replay/).

        `record(...).model_dump(mode="json")` is the record file `pbengine replay` reads.
        """
        with self.uow as uow:
            row = readable_record(uow.rounds, principal, round_id)
            if principal.role != OPERATOR.role and before_close(row.phase):
                raise ConflictError(
                    RECORD_AFTER_VOTING.format(id=round_id, phase=row.phase), "phase"
                )
            events = uow.log.events(round_id)
            return _record(uow, row, events, opened=openings(uow, round_id, events))

    def published_record(self, round_id: int) -> RoundRecord:
        """The record anyone may hold once the result is published: the chain (ballots as
        commitments), and the counted ballots' contents apart from it, sorted."""
        with self.uow as uow:
            row = get_round(uow.rounds, round_id)
            events = uow.log.events(round_id)
            return _record(uow, row, events, ballots=published_ballots(uow, row, events))

    def phase(self, round_id: int) -> str:
        with self.uow as uow:
            return get_round(uow.rounds, round_id).phase

    def head(self, round_id: int) -> ChainHead:
        """The head of the round's log, public in every phase: it shows how far the log
        goes, not what any event says."""
        with self.uow as uow:
            get_round(uow.rounds, round_id)
            last = uow.log.head_event(round_id)
            if last is None:
                return ChainHead(round=round_id, height=0, hash=GENESIS, at=None)
            return ChainHead(round=round_id, height=last.height + 1, hash=last.hash, at=last.at)

    def checkpoints(self, round_id: int) -> Checkpoints:
        """The signed head at each phase change, public in every phase: like the head, they
        show how far the log went, and their signatures let anyone hold the server to it."""
        with self.uow as uow:
            get_round(uow.rounds, round_id)
            return Checkpoints(round=round_id, checkpoints=checkpoints_of(uow, round_id))

    def trackers(self, round_id: int) -> Trackers:
        """The trackers of the ballots that count, and of those a later ballot replaced."""
        with self.uow as uow:
            row = get_round(uow.rounds, round_id)
            if ORDER.index(Phase(row.phase)) <= ORDER.index(Phase.VOTING):
                raise ForbiddenError("trackers are public once voting closes", "phase")
            events = uow.log.events(round_id)
            counted, replaced = _counted(events)
            # An imported election's ballots count too; their voters never had trackers.
            imported = sum(
                int(e.payload["count"]) for e in events if e.type == kinds.BALLOTS_IMPORTED
            )
            return Trackers(
                round=round_id,
                ballots=len(counted) + imported,
                trackers=sorted(counted),
                replaced=sorted(replaced),
            )


def _record(
    uow: UnitOfWork,
    row: RoundRow,
    events: list[Event],
    *,
    opened: dict[str, Any] | None = None,
    ballots: list[dict[str, Any]] | None = None,
) -> RoundRecord:
    assert row.id is not None
    config = config_of(uow.rounds, row)
    allocations = [e for e in events if e.type == kinds.ALLOCATION_COMPUTED]
    # A copy: the record's result is checked against the log's, so it must not be the same
    # object as the one inside the allocation event.
    result = copy.deepcopy(allocations[-1].payload["result"]) if allocations else None
    return RoundRecord(
        format=RECORD_FORMAT,
        engine=_engine(events),
        round=RecordRound(id=row.id, title=row.title, council=row.council),
        rules=RecordRules(
            rule=config.effective_rule,
            fairness=None if config.fairness is None else config.fairness.document,
        ),
        # Built without validation: each event is read back from the log as written, and a
        # record holds one per ballot.
        events=[RecordEvent.model_construct(**e.to_json()) for e in events],
        head=RecordHead(height=len(events), hash=events[-1].hash if events else GENESIS),
        result=result,
        result_hash=allocations[-1].payload["result_hash"] if allocations else None,
        signing_keys=public_keys(),
        checkpoints=checkpoints_of(uow, row.id),
        openings=opened,
        ballots=ballots,
    )


def _engine(events: list[Event]) -> EngineInfo:
    """The engine the round was created under, as its first event records it (replay checks
    the header against it); for rounds from before it was recorded, this one."""
    recorded = events[0].payload.get("engine") if events else None
    if recorded is None:
        return EngineInfo(name="pbengine", version=pbengine.__version__)
    return EngineInfo(name=recorded["name"], version=recorded["version"])


RECORD_AFTER_VOTING = (
    "the record holds every ballot, so it is available once voting closes (phase 'closed'); "
    "round {id} is in '{phase}'. Until then its log's head (GET /api/v1/rounds/{id}/head) "
    "and signed checkpoints (GET /api/v1/rounds/{id}/checkpoints) are public"
)


def before_close(phase: str) -> bool:
    """A record read while ballots are still being cast would show running tallies."""
    return ORDER.index(Phase(phase)) <= ORDER.index(Phase.VOTING)


def _counted(events: list[Event]) -> tuple[list[str], list[str]]:
    """Each voter's latest ballot counts; the ones before it were replaced."""
    latest: dict[str, str] = {}
    replaced: list[str] = []
    for event in events:
        if event.type == kinds.BALLOT_CAST:
            earlier = latest.get(str(event.payload["voter"]))
            if earlier is not None:
                replaced.append(earlier)
            latest[str(event.payload["voter"])] = event.hash
    return list(latest.values()), replaced
