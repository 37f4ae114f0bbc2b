"""A ballot committed to without being shown: what a live round's ballot.cast event holds.

The event holds SHA-256 of the canonical JSON of {nonce, ballot}; the nonce is the
server's (never the voter's, so a receipt proves no vote to anyone who demands it).
Without the nonce no one can test a guessed ballot against the commitment, so a
tracker (the event's hash) maps to no ballot. An opening (the nonce and the ballot)
shows the commitment was to exactly that ballot. See docs/audit.md, "Ballot secrecy".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pbengine.core.canonical import canonical, digest

FIELDS = ("projects", "points", "outcomes", "attributes")


def ballot_contents(
    projects: list[str],
    points: list[str] | None,
    outcomes: list[str],
    attributes: Mapping[str, str],
) -> dict[str, Any]:
    """What a ballot says, and all the allocation needs of it: no voter, no time."""
    return {
        "projects": list(projects),
        "points": None if points is None else list(points),
        "outcomes": list(outcomes),
        "attributes": dict(attributes),
    }


def commitment(nonce: str, contents: Mapping[str, Any]) -> str:
    return digest({"nonce": nonce, "ballot": dict(contents)})


def opening_problem(claimed: str, opening: Any) -> str | None:
    """None when `opening` ({nonce, ballot}) opens the commitment `claimed`; else why not."""
    if not isinstance(opening, Mapping) or set(opening) != {"nonce", "ballot"}:
        return "an opening is {nonce, ballot}"
    ballot = opening["ballot"]
    if not isinstance(ballot, Mapping) or set(ballot) != set(FIELDS):
        return f"an opened ballot holds exactly {', '.join(FIELDS)}"
    if commitment(str(opening["nonce"]), ballot) != claimed:
        return "its opening does not match its commitment: the ballot or its nonce was altered"
    return None


def sort_key(contents: Mapping[str, Any]) -> str:
    """The published list's order: canonical JSON, which says nothing of the chain's order."""
    return canonical(dict(contents))
