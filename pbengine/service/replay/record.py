"""A round record checked whole: its chain, its head, its rules and its result.

Also whether a later record of a round keeps every event of an earlier one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from pbengine.core.audit.chain import first_break, head
from pbengine.core.audit.result import first_difference, result_hash
from pbengine.service.bulk import bulk_work
from pbengine.service.config import RoundConfig
from pbengine.service.replay.ballots import check_counted
from pbengine.service.replay.errors import RecordError
from pbengine.service.replay.header import check_header
from pbengine.service.replay.rebuild import RebuiltRound
from pbengine.service.replay.signed import check_signed_fields

RECORD_FORMAT = "pbengine.record/1"


@dataclass(frozen=True)
class Replay:
    ok: bool
    problem: str | None
    result_hash: str | None
    """The recomputed result's hash (the last allocation's), when one was recorded."""
    events: int
    reallocated: Mapping[str, Any] | None = None
    """The reallocation the log applied after publication, as replay recomputed it."""


def replay(record: Mapping[str, Any]) -> Replay:
    events: Sequence[Mapping[str, Any]] = record.get("events") or []
    try:
        if record.get("format") != RECORD_FORMAT:
            raise RecordError(f"not a pbengine round record (format should be {RECORD_FORMAT!r})")
        if not events:
            raise RecordError("the record holds no events (a round older than its log?)")
        broken = first_break(events)
        if broken is not None:
            raise RecordError(broken.problem)
        _check_head(record, events)
        state = RebuiltRound(openings=record.get("openings"), published=record.get("ballots"))
        with bulk_work():
            for event in events:
                state.apply(event)
            check_counted(state)
            _check_rules(record, state)
            check_header(record, events, state.config)
            recomputed = _check_record_result(record, state)
        # Last: a log that is wrong in itself is named for what is wrong with it, not for
        # the checkpoint that its change happens to break.
        check_signed_fields(record, events)
    except RecordError as exc:
        return Replay(False, str(exc), None, len(events))
    return Replay(True, None, recomputed, len(events), state.after_vote.get("reallocated"))


def _check_head(record: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> None:
    claimed = record.get("head") or {}
    if claimed.get("height") != len(events) or claimed.get("hash") != head(events):
        raise RecordError(
            f"record field head (height {claimed.get('height')}) is not the end of its log "
            f"({len(events)} events): events were removed from the end, or added"
        )


def _check_rules(record: Mapping[str, Any], state: RebuiltRound) -> None:
    """The record's resolved rules must be those of the last configuration the log holds."""
    try:
        config = RoundConfig.model_validate(state.config)
    except ValidationError as exc:
        raise RecordError(f"the configuration in the log is not valid: {exc}") from None
    fairness = None if config.fairness is None else config.fairness.document
    if record.get("rules") != {"rule": config.effective_rule, "fairness": fairness}:
        raise RecordError("record field rules differs from the configuration the log holds")


def _check_record_result(record: Mapping[str, Any], state: RebuiltRound) -> str | None:
    last = state.last_result
    if last is None:
        if record.get("result") is not None:
            raise RecordError("record field result: the log records no allocation")
        return None
    where = first_difference(last, record.get("result"))
    if where is not None:
        raise RecordError(
            f"record field {where} differs from the allocation the log records "
            f"(event {state.last_allocation})"
        )
    recomputed = result_hash(last)
    if record.get("result_hash") != recomputed:
        raise RecordError("record field result_hash is not the hash of the result")
    return recomputed


def verify_extends(old: Mapping[str, Any], new: Mapping[str, Any]) -> str | None:
    """None when `new` keeps every event of `old` unchanged and only adds; else what differs."""
    for name, record in (("earlier", old), ("later", new)):
        broken = first_break(record.get("events") or [])
        if broken is not None:
            return f"the {name} record's log is broken: {broken.problem}"
    if (old.get("round") or {}).get("id") != (new.get("round") or {}).get("id"):
        return "the records are of different rounds"
    before, after = old.get("events") or [], new.get("events") or []
    if len(after) < len(before):
        return f"the later record has {len(after)} events, fewer than the {len(before)} before"
    for position, (a, b) in enumerate(zip(before, after, strict=False)):
        if a != b:
            return f"event {position} ({a.get('type')}) was rewritten in the later record"
    return None
