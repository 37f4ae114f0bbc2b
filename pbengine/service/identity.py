"""From a secret to a Principal: staff and auditors hold tokens, residents voter codes."""

from __future__ import annotations

from sqlmodel import Session

from pbengine.service.errors import Principal, UnauthorizedError
from pbengine.store.ballots import BallotRepository
from pbengine.store.tokens import find_token, is_token, voter_code_digest


def principal_for(session: Session, secret: str) -> Principal:
    if is_token(secret):
        token = find_token(session, secret)
        if token is None:
            raise UnauthorizedError("unknown or revoked token", "authorization")
        staff = token.label or f"token {token.id}"
        return Principal(role=token.role, council=token.council, staff=staff)
    voter = BallotRepository(session).voter_by_digest(voter_code_digest(secret))
    if voter is None:
        raise UnauthorizedError("unknown voter code", "authorization")
    return Principal(role="resident", round_id=voter.round_id, voter_key=voter.voter_key)
