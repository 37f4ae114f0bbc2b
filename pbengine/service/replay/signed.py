"""Signed heads checked against a record: a receipt's or checkpoint's signature, and whether
the record's log still holds the head it signed.

A log rewritten below a signed head, even with every later hash recomputed,
no longer has that hash at that height: whoever kept the signed head can show
it, and the signature shows that the server, not they, vouched for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pbengine.core.audit import kinds
from pbengine.core.audit.chain import first_break
from pbengine.core.audit.signing import (
    CHECKPOINT,
    RECEIPT,
    key_problem,
    public_key_map,
    signature_problem,
)
from pbengine.service.replay.errors import RecordError

_EVENT_OF = {RECEIPT: kinds.BALLOT_CAST, CHECKPOINT: kinds.PHASE_CHANGED}


def keys_of(document: Mapping[str, Any] | None) -> dict[str, str]:
    """The keys of a key list (as /.well-known/pbengine-keys.json and a record hold them)."""
    keys = (document or {}).get("keys")
    problem = key_problem(keys)
    if problem is not None:
        raise RecordError(f"signing keys: {problem}")
    assert isinstance(keys, list)
    return public_key_map(keys)


def check_signed_fields(record: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> None:
    """The record's keys name themselves, and each of its checkpoints is signed by one of them
    and lies on its log. A record from before signing holds neither, and passes."""
    checkpoints = record.get("checkpoints") or []
    if record.get("signing_keys") is None:
        if checkpoints:
            raise RecordError("record field checkpoints: the record lists no signing keys")
        return
    keys = keys_of(record.get("signing_keys"))
    round_id = (record.get("round") or {}).get("id")
    for position, checkpoint in enumerate(checkpoints):
        problem = head_problem(checkpoint, CHECKPOINT, round_id, events, keys)
        if problem is not None:
            raise RecordError(f"record field checkpoints[{position}]: {problem}")


def verify_signed_head(
    head: Mapping[str, Any],
    kind: str,
    record: Mapping[str, Any],
    keys: Mapping[str, Any] | None = None,
) -> str | None:
    """None when `head` is signed (by `keys`, else the record's own) and the record's log, whole,
    holds it; else what is wrong, in a sentence."""
    if keys is None and record.get("signing_keys") is None:
        return (
            "the record lists no signing keys (exported before signing?): give the server's "
            "keys with --keys (/.well-known/pbengine-keys.json)"
        )
    try:
        public = keys_of(keys if keys is not None else record.get("signing_keys"))
    except RecordError as exc:
        return str(exc)
    events = record.get("events") or []
    broken = first_break(events)
    if broken is not None:
        return f"the record's log is broken: {broken.problem}"
    round_id = (record.get("round") or {}).get("id")
    return head_problem(head, kind, round_id, events, public)


def head_problem(
    head: Mapping[str, Any],
    kind: str,
    round_id: Any,
    events: Sequence[Mapping[str, Any]],
    keys: Mapping[str, str],
) -> str | None:
    if not isinstance(head, Mapping) or head.get("kind") != kind:
        return f"not a signed {kind} (its kind should be {kind!r})"
    problem = signature_problem(head, keys)
    if problem is not None:
        return f"the signature does not hold: {problem}"
    if head["round"] != round_id:
        return f"it is for round {head['round']}, and the record is of round {round_id}"
    height = head["height"]
    if not isinstance(height, int) or not 0 < height <= len(events):
        return (
            f"it was signed at height {height}, and the record's log has only {len(events)} "
            "events: events were removed"
        )
    event = events[height - 1]
    if event.get("hash") != head["hash"] or event.get("at") != head["at"]:
        return (
            f"event {height - 1} of the record is not the one signed (hash {head['hash']}): "
            "the log was rewritten at or before that event"
        )
    if event.get("type") != _EVENT_OF[kind]:
        return f"event {height - 1} is a {event.get('type')}, not a {_EVENT_OF[kind]}"
    return None
