"""What a request to cast a ballot holds, and the reply it gets (service/casting.py)."""

from __future__ import annotations

from dataclasses import dataclass

from pbengine.service.ballots import BallotIn
from pbengine.service.errors import Principal
from pbengine.service.identity import VoterCode
from pbengine.service.replies import BallotReceipt
from pbengine.service.throttle import Throttle


@dataclass(frozen=True)
class Cast:
    """A ballot's reply; `replayed` when it is the reply kept for an Idempotency-Key."""

    status: int
    body: BallotReceipt
    replayed: bool = False
    voter_key: str | None = None
    """The resident whose ballot was cast (None for staff's entries and for replays)."""


@dataclass(frozen=True)
class CastRequest:
    """A ballot as one request sends it."""

    principal: Principal | VoterCode
    round_id: int
    ballot: BallotIn
    idempotency_key: str | None
    ballots: Throttle | None = None
    """What the resident's ballots meet once their code is looked up (from the VoterCode)."""
