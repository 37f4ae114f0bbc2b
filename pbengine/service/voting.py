"""Voter codes and ballots: residents vote online, staff enter paper and assisted ballots.

How a ballot is checked, stored and logged is service/casting.py's job; this is
the use case around it: who may issue codes, cast, and count.
"""

from __future__ import annotations

from functools import partial

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from pbengine.core.audit import kinds
from pbengine.core.phases import ORDER, Phase
from pbengine.service.access import config_of, get_round, own_round, phase_of, require_known
from pbengine.service.ballots import BallotIn
from pbengine.service.cast_requests import Cast, CastRequest
from pbengine.service.casting import BallotQueue, cast_alone, cast_batch
from pbengine.service.errors import ConflictError, InvalidError, Principal
from pbengine.service.identity import VoterCode
from pbengine.service.replies import BallotCount
from pbengine.store.tokens import new_voter_code, new_voter_key, voter_code_digest
from pbengine.store.unit_of_work import UnitOfWork

__all__ = ["BallotIn", "BallotQueue", "Cast", "VoterCodesIn", "VotingService"]

MAX_CODES_PER_REQUEST = 10_000


class VoterCodesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = Field(ge=1, le=MAX_CODES_PER_REQUEST)
    attributes: dict[str, str] = Field(
        default_factory=dict,
        description="facts about these voters stored with their ballots, e.g. "
        '{"district": "North", "age": "65+"}; used to report and reweight turnout',
    )


class VotingService:
    """`queue`: cast concurrent ballots for one round together (service/ballot_queue.py);
    without it, each ballot is a transaction of its own."""

    def __init__(self, work: UnitOfWork | Session, queue: BallotQueue | None = None) -> None:
        self.uow = UnitOfWork.of(work)
        self.queue = queue

    def issue_codes(self, principal: Principal, round_id: int, order: VoterCodesIn) -> list[str]:
        """New voter codes, returned once and stored only as digests."""
        with self.uow as uow:
            row = own_round(uow.rounds, principal, round_id, for_change=True)
            if ORDER.index(phase_of(row)) > ORDER.index(Phase.VOTING):
                raise ConflictError(f"voting is over (the round is in '{row.phase}')", "phase")
            district = order.attributes.get("district")
            if district is not None:
                names = [d.name for d in config_of(uow.rounds, row).districts]
                require_known("district", "districts", [district], names, "attributes.district")
            codes = [new_voter_code() for _ in range(order.count)]
            keys = [new_voter_key() for _ in codes]
            uow.ballots.add_voter_codes(
                round_id,
                [(voter_code_digest(code), key) for code, key in zip(codes, keys, strict=True)],
                order.attributes,
            )
            # The keys, not the codes: a replay can then tell a ballot from an issued code
            # from one that no code was issued for.
            uow.log.append(
                row,
                kinds.VOTER_CODES_ISSUED,
                {"count": len(keys), "attributes": order.attributes, "voter_keys": keys},
            )
            uow.commit()
            return codes

    def cast(
        self,
        principal: Principal | VoterCode,
        round_id: int,
        ballot: BallotIn,
        idempotency_key: str | None = None,
    ) -> Cast:
        if idempotency_key is not None and not 0 < len(idempotency_key) <= 200:
            raise InvalidError("an Idempotency-Key is 1 to 200 characters", "Idempotency-Key")
        request = CastRequest(principal, round_id, ballot, idempotency_key)
        if self.queue is None:
            return cast_alone(self.uow, request)
        return self.queue.run(round_id, request, partial(cast_batch, self.uow, self.queue.boxes))

    def count(self, round_id: int) -> BallotCount:
        with self.uow as uow:
            get_round(uow.rounds, round_id)
            by_channel = uow.rounds.count_ballots(round_id)
            return BallotCount(
                round=round_id,
                ballots=sum(by_channel.values()),
                by_channel=by_channel,
                voter_codes_issued=uow.ballots.count_voter_codes(round_id),
            )
