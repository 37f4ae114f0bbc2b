"""From a secret to a Principal: staff and auditors hold tokens, residents voter codes (or
codes issued for the assessment of delivered projects)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from pbengine.service.errors import Principal, UnauthorizedError
from pbengine.service.throttle import Throttle
from pbengine.store.assessments import assessor_digest
from pbengine.store.ballots import Voter
from pbengine.store.tables import TokenRow
from pbengine.store.tokens import is_token, voter_code_digest
from pbengine.store.unit_of_work import UnitOfWork


def principal_for(work: UnitOfWork | Session, secret: str) -> Principal:
    """Who holds `secret`. The lookup's read transaction ends here, as every unit of work's
    does, so it holds no connection (and on SQLite no snapshot) while the caller waits."""
    with UnitOfWork.of(work) as uow:
        if is_token(secret):
            token = uow.tokens.find(secret)
            if token is None:
                raise UnauthorizedError("unknown, expired or revoked token", "authorization")
            principal = token_principal(token)
            if uow.tokens.used(token):
                uow.commit()
            return principal
        return code_principal(uow, secret, uow.ballots.voter_by_digest(voter_code_digest(secret)))


def code_principal(uow: UnitOfWork, secret: str, voter: Voter | None) -> Principal:
    """Who holds the code `secret`, given the voter its digest names (None: no voter).

    Reads the assessment's codes only when no voter has it: a batch of ballots
    looks up all its voters in one query (service/ballot_callers.py), in its transaction."""
    assessor = assessor_digest(secret)
    if voter is not None:
        return Principal(
            role="resident",
            round_id=voter.round_id,
            voter_key=voter.voter_key,
            assessor=assessor,
        )
    # A code issued for the assessment only: it assesses, and votes nowhere.
    issued = uow.assessments.assessor(assessor)
    if issued is None or issued.source != "assessment":
        raise UnauthorizedError("unknown voter code", "authorization")
    return Principal(role="assessor", round_id=issued.round_id, assessor=assessor)


@dataclass(frozen=True)
class VoterCode:
    """A resident's code not looked up yet: the batch that casts their ballot looks it up
    with the batch's other codes, in one query inside its own transaction, instead of a
    transaction per request (four round trips to PostgreSQL, and a third of the server's
    CPU per ballot: bench/intake.py). `ballots` is checked once the code names a voter."""

    secret: str
    ballots: Throttle | None = None


def principal_throttled(
    work: UnitOfWork | Session, secret: str, wrong_codes: Throttle, client: str
) -> Principal:
    """`principal_for`, but a client that sent too many unknown codes is refused (429)
    before its next one is even looked up."""
    wrong_codes.check(client)
    try:
        return principal_for(work, secret)
    except UnauthorizedError:
        wrong_codes.count(client)
        raise


def token_principal(token: TokenRow) -> Principal:
    """Staff or an auditor, as their token names them (its label is who they are)."""
    return Principal(
        role=token.role, council=token.council, staff=token.label or f"token {token.id}"
    )
