"""A record's header checked against its own log: the round it names and the engine.

The header (`round`: id, title, council; `engine`) sits outside the chain, so on its
own it could be edited freely: a record of one council's round passed off as
another's, or under another title. Each field is therefore tied to what the chain
or the signed checkpoints say. The first event names the council (and, since
rounds record them, the round's id and the engine it was created under); the
configuration the log holds last names the title; each signed checkpoint names
the round it was signed for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pbengine.service.replay.errors import RecordError


def check_header(
    record: Mapping[str, Any], events: Sequence[Mapping[str, Any]], config: Mapping[str, Any]
) -> None:
    header = record.get("round")
    if not isinstance(header, Mapping) or any(f not in header for f in ("id", "title", "council")):
        raise RecordError("record field round must name the round's id, title and council")
    start = events[0]["payload"]
    _same("round.council", header["council"], start.get("council"), "the council its log names")
    if "title" in config:
        _same("round.title", header["title"], config["title"], "the title its log configures")
    if "round" in start:
        _same("round.id", header["id"], start["round"], "the round its log was created as")
    for position, checkpoint in enumerate(record.get("checkpoints") or []):
        signed = checkpoint.get("round") if isinstance(checkpoint, Mapping) else None
        _same("round.id", header["id"], signed, f"the round checkpoints[{position}] was signed for")
    if "engine" in start:
        claimed = record.get("engine")
        engine: Mapping[str, Any] = claimed if isinstance(claimed, Mapping) else {}
        for field in ("name", "version"):
            logged = start["engine"].get(field)
            _same(f"engine.{field}", engine.get(field), logged, "the engine its log records")


def _same(field: str, claimed: Any, logged: Any, what: str) -> None:
    if claimed != logged or type(claimed) is not type(logged):
        raise RecordError(
            f"record field {field} ({claimed!r}) is not {what} ({logged!r}): the record's "
            "header was edited"
        )
