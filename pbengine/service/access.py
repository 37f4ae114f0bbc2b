"""Who may see and change a round: the checks every use case starts with."""

from __future__ import annotations

import json
from collections.abc import Sequence

from pydantic import ValidationError

from pbengine.core.phases import Phase
from pbengine.formats.validation_errors import first_error
from pbengine.service.config import RoundConfig
from pbengine.service.errors import (
    ConflictError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
    Principal,
    UnauthorizedError,
)
from pbengine.service.imported_config import config_of_import
from pbengine.store.repository import RoundNotFoundError, RoundRepository
from pbengine.store.tables import RoundRow

MAX_ID = 2**63 - 1
"""The largest id the database stores (a signed 64-bit integer)."""


def council_of(principal: Principal) -> str:
    if principal.role is None:
        raise UnauthorizedError(
            "this needs council staff's token: send 'Authorization: Bearer <token>'",
            "authorization",
        )
    if principal.role != "council" or not principal.council:
        raise ForbiddenError("only council staff can do this", "authorization")
    return principal.council


def get_round(rounds: RoundRepository, round_id: int, *, for_change: bool = False) -> RoundRow:
    """`for_change`: the caller will change the round and log it (see RoundRepository.round)."""
    if not 0 < round_id <= MAX_ID:
        # Not a question for the database: ids are 64-bit there, and 2**63 makes it raise.
        raise NotFoundError(f"no round {round_id}", "id")
    try:
        return rounds.round(round_id, for_change=for_change)
    except RoundNotFoundError:
        raise NotFoundError(f"no round {round_id}", "id") from None


def own_round(
    rounds: RoundRepository, principal: Principal, round_id: int, *, for_change: bool = False
) -> RoundRow:
    """The round, if the caller is staff of its council."""
    council = council_of(principal)
    row = get_round(rounds, round_id, for_change=for_change)
    if row.council != council:
        # Another council's round is not revealed to exist.
        raise NotFoundError(f"no round {round_id}", "id")
    return row


def is_insider(principal: Principal, row: RoundRow) -> bool:
    """Its council's staff and auditors see a round's full record (not who voted what)."""
    return is_insider_of(principal, row.council)


def is_insider_of(principal: Principal, council: str) -> bool:
    # An auditor's token names the council it audits, as staff's does: a token of one
    # council never reads another's (OWASP API1; Decidim CVE-2026-45414 was this).
    if principal.role == "operator":
        return True
    return principal.role in ("auditor", "council") and principal.council == council


def readable_record(rounds: RoundRepository, principal: Principal, round_id: int) -> RoundRow:
    if principal.role == "operator":
        return get_round(rounds, round_id)
    if principal.role == "auditor":
        row = get_round(rounds, round_id)
        if row.council != principal.council:
            raise NotFoundError(f"no round {round_id}", "id")
        return row
    return own_round(rounds, principal, round_id)


def phase_of(row: RoundRow) -> Phase:
    return Phase(row.phase)


def config_of(rounds: RoundRepository, row: RoundRow) -> RoundConfig:
    stored = json.loads(row.config_json)
    if stored:
        try:
            return RoundConfig.model_validate(stored)
        except ValidationError as exc:
            # A round stored under looser rules than today's: say so, rather than fail.
            field, problem = first_error(exc, "configuration")
            raise ConflictError(
                f"this round's stored configuration no longer validates ({problem}); "
                "it needs a council's correction before it can be used",
                field,
            ) from None
    # Rounds imported before configurations were stored: what their file says.
    assert row.id is not None
    return config_of_import(rounds.election(row.id), row.title)


def require_known(
    what: str, plural: str, names: Sequence[str], known: Sequence[str], field: str
) -> None:
    """Each of `names` must be one of the round's `known` ones, and be named once."""
    for name in names:
        if name not in known:
            choices = ", ".join(known) or "none"
            raise InvalidError(f"unknown {what} {name!r}; {plural}: {choices}", field)
    if len(set(names)) != len(names):
        raise InvalidError(f"a {what} is named twice", field)
