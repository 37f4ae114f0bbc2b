"""A round's event log as a hash chain: each event commits to its content and to its parent.

An event's hash is the SHA-256 of the canonical JSON of its height, type,
time, payload and parent hash. Changing any event changes its hash, which
its child records as its parent: so an event cannot be altered, removed or
moved without breaking the chain at that point, and the last hash (the head)
stands for the whole log.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

from pbengine.core.canonical import canonical, digest

GENESIS = "0" * 64
"""The parent of the first event."""


@dataclass(frozen=True)
class Event:
    height: int
    type: str
    at: str
    """UTC time, ISO 8601."""
    payload: Mapping[str, Any]
    parent: str
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {
            "height": self.height,
            "type": self.type,
            "at": self.at,
            "payload": self.payload,
            "parent": self.parent,
            "hash": self.hash,
        }


def event_hash(height: int, type_: str, at: str, payload: Mapping[str, Any], parent: str) -> str:
    return digest({"height": height, "type": type_, "at": at, "payload": payload, "parent": parent})


def next_event(height: int, parent: str, type_: str, at: str, payload: Mapping[str, Any]) -> Event:
    """The event following a log of `height` events whose head is `parent`."""
    return Event(height, type_, at, payload, parent, event_hash(height, type_, at, payload, parent))


def next_event_from_text(
    height: int, parent: str, type_: str, at: str, payload: Mapping[str, Any], *, text: str
) -> Event:
    """`next_event`, for a payload whose canonical text the caller has already made.

    The envelope's canonical text is assembled around it (keys in sorted order: at,
    height, parent, payload, type), the same text byte for byte as encoding the whole
    envelope again: an import of 90,000 ballots spent a third of its time encoding each
    payload twice."""
    text = (
        f'{{"at":{_quoted(at)},"height":{height},"parent":{_quoted(parent)},'
        f'"payload":{text},"type":{_quoted(type_)}}}'
    )
    return Event(height, type_, at, payload, parent, sha256(text.encode("utf-8")).hexdigest())


_PLAIN = re.compile(r"[A-Za-z0-9 _.:+\-]*")
"""Characters JSON writes as they are: times, hashes and event types are made of them."""


def _quoted(text: str) -> str:
    # The common case without the encoder's call overhead; the same text either way.
    return f'"{text}"' if _PLAIN.fullmatch(text) else canonical(text)


@dataclass(frozen=True)
class ChainBreak:
    height: int
    """Position in the log of the first event that does not fit."""
    problem: str


def first_break(events: Sequence[Mapping[str, Any]]) -> ChainBreak | None:
    """The first place where the log, as JSON events, is not an unbroken chain; None if whole."""
    parent = GENESIS
    for position, event in enumerate(events):
        label = f"event {position}"
        try:
            height, type_, at = event["height"], event["type"], event["at"]
            payload, claimed_parent, claimed = event["payload"], event["parent"], event["hash"]
        except (KeyError, TypeError):
            return ChainBreak(position, f"{label} is not an event (a field is missing)")
        label = f"event {position} ({type_})"
        if height != position:
            return ChainBreak(
                position, f"{label} says it is at height {height}: events were removed or moved"
            )
        if claimed_parent != parent:
            return ChainBreak(
                position,
                f"{label} does not follow the event before it (its parent hash differs): "
                "an event before it was removed, moved or altered",
            )
        if event_hash(height, type_, at, payload, claimed_parent) != claimed:
            return ChainBreak(position, f"{label} was altered: its content does not match its hash")
        parent = claimed
    return None


def head(events: Sequence[Mapping[str, Any]]) -> str:
    return str(events[-1]["hash"]) if events else GENESIS
