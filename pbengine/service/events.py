"""The payloads the services write to a round's log (kinds in core/audit/kinds.py)."""

from __future__ import annotations

import json
from typing import Any

import pbengine
from pbengine.core.audit.commitment import commitment
from pbengine.store.repository import header_json
from pbengine.store.signing_keys import keyring
from pbengine.store.tables import RoundRow


def round_start(row: RoundRow, council: str) -> dict[str, Any]:
    """A round's first event: its council, its id and the engine it starts under (so a
    record's header can be checked against its own log), and its configuration."""
    engine = {"name": "pbengine", "version": pbengine.__version__}
    return {"council": council, "round": row.id, "engine": engine, **round_settings(row)}


def round_settings(row: RoundRow) -> dict[str, Any]:
    """A configuration event: the council's config and the election header, as stored."""
    return {"config": json.loads(row.config_json), "header": header_json(row)}


def ballot_event(
    voter: str,
    projects: list[str],
    points: list[str] | None,
    outcomes: list[str],
    attributes: dict[str, str],
    *,
    channel: str,
    staff: str | None = None,
    replaces: str | None = None,
) -> dict[str, Any]:
    """A ballot as counted: under the voter's pseudonymous key, never their code.

    `replaces` is the tracker of the voter's earlier ballot, which stops counting.
    """
    return {
        "voter": voter,
        "projects": projects,
        "points": points,
        "outcomes": outcomes,
        "attributes": attributes,
        "channel": channel,
        "staff": staff,
        "replaces": replaces,
    }


def ballot_nonce(round_id: int, voter: str, number: int) -> str:
    """The nonce a live ballot is committed with: the voter's `number`th ballot (0 first).

    Derived under the server's digest key rather than stored, so the counted ballots can
    always be opened for auditors and no one without the key can guess one."""
    return keyring().pseudonym(f"pbengine.ballot-nonce/1\n{round_id}\n{voter}\n{number}")


def sealed_ballot_event(
    voter: str,
    contents: dict[str, Any],
    nonce: str,
    *,
    channel: str,
    staff: str | None,
    replaces: str | None,
) -> dict[str, Any]:
    """A live ballot as its event holds it: committed to, not shown (docs/audit.md,
    "Ballot secrecy"), with what replay checks on the way."""
    return {
        "voter": voter,
        "commitment": commitment(nonce, contents),
        "channel": channel,
        "staff": staff,
        "replaces": replaces,
    }
