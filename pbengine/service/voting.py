"""Voter codes and ballots: residents vote online, staff enter paper and assisted ballots.

A ballot is checked completely before anything is stored (service/ballots.py
says who may cast what). It is stored under the voter's pseudonymous key,
never under their code. Many ballots for one round queue on the round's lock
(docs/voting.md): the round is loaded for change before anything else is
read, and a race the lock did not serialise is cast again from the start.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from pbengine.core.audit import kinds
from pbengine.core.audit.chain import Event
from pbengine.core.audit.commitment import ballot_contents
from pbengine.core.canonical import digest
from pbengine.core.election_json import points_to_json
from pbengine.core.phases import ORDER, Phase
from pbengine.service.access import config_of, get_round, own_round, phase_of, require_known
from pbengine.service.ballots import (
    BallotIn,
    Counted,
    Entry,
    check_may_vote,
    checked_choices,
    counted,
    entry_of,
    override_reason,
    receipt,
)
from pbengine.service.errors import ConflictError, InvalidError, Principal
from pbengine.service.events import ballot_nonce, sealed_ballot_event
from pbengine.service.replies import BallotCount, BallotReceipt
from pbengine.service.signed import signed_receipt
from pbengine.store.tables import BallotRow, RoundRow
from pbengine.store.tokens import new_voter_code, new_voter_key, voter_code_digest
from pbengine.store.unit_of_work import UnitOfWork

__all__ = ["BallotIn", "Cast", "VoterCodesIn", "VotingService", "cast_step"]

MAX_CODES_PER_REQUEST = 10_000
CAST_ATTEMPTS = 3
"""A ballot that loses a race on the database (possible only if the round's lock was
bypassed) is cast again from the start, this many times in all, before a 409."""
# PostgreSQL's "try again" errors: serialization failure and deadlock.
RETRYABLE_SQLSTATES = ("40001", "40P01")


class VoterCodesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = Field(ge=1, le=MAX_CODES_PER_REQUEST)
    attributes: dict[str, str] = Field(
        default_factory=dict,
        description="facts about these voters stored with their ballots, e.g. "
        '{"district": "North", "age": "65+"}; used to report and reweight turnout',
    )


@dataclass(frozen=True)
class Cast:
    """A ballot's reply; `replayed` when it is the reply kept for an Idempotency-Key."""

    status: int
    body: BallotReceipt
    replayed: bool = False


class VotingService:
    def __init__(self, work: UnitOfWork | Session) -> None:
        self.uow = UnitOfWork.of(work)

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
        principal: Principal,
        round_id: int,
        ballot: BallotIn,
        idempotency_key: str | None = None,
    ) -> Cast:
        if idempotency_key is not None and not 0 < len(idempotency_key) <= 200:
            raise InvalidError("an Idempotency-Key is 1 to 200 characters", "Idempotency-Key")
        for _ in range(CAST_ATTEMPTS):
            # Each attempt is a unit of work of its own: leaving it, by a refusal, a reply
            # kept for the key or a lost race, rolls back at once and frees the round's
            # lock for the requests queued behind this one.
            try:
                with self.uow as uow:
                    return self._cast(uow, principal, round_id, ballot, idempotency_key)
            except IntegrityError:
                # Another request for this voter (or with this Idempotency-Key) won: cast
                # again from the start, which now sees what it stored.
                continue
            except OperationalError as exc:
                if _worth_retrying(exc):
                    continue
                if _sqlite_busy(exc):
                    raise ConflictError(
                        "the round is busy with other changes; send the ballot again",
                        "voter_code",
                    ) from None
                raise
        raise ConflictError(
            "another ballot for this voter code arrived at the same moment; send it again",
            "voter_code",
        )

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

    def _cast(
        self,
        uow: UnitOfWork,
        principal: Principal,
        round_id: int,
        ballot: BallotIn,
        idempotency_key: str | None,
    ) -> Cast:
        # The round is locked first (FOR UPDATE on PostgreSQL, the write lock on SQLite):
        # the reply kept for the key, the voter's ballot and the log's head are read as
        # the previous change left them, so the event never names a stale ballot.
        row = get_round(uow.rounds, round_id, for_change=True)
        entry = entry_of(uow, principal, row, ballot)
        request = digest(
            {
                "voter": entry.voter.voter_key,
                "ballot": ballot.model_dump(mode="json", exclude={"voter_code"}),
            }
        )
        if idempotency_key is not None:
            earlier = _kept_reply(uow, round_id, idempotency_key, request)
            if earlier is not None:
                return earlier
        stored, count, event = cast_step(uow, row, entry, ballot)
        reply = receipt(stored, count, signed_receipt(round_id, event))
        if idempotency_key is not None:
            body = reply.model_dump(mode="json")
            uow.ballots.keep_reply(round_id, idempotency_key, request, 201, body)
        uow.commit()
        return Cast(201, reply)


def cast_step(
    uow: UnitOfWork, row: RoundRow, entry: Entry, ballot: BallotIn
) -> tuple[BallotRow, Counted, Event]:
    """The one step every ballot is cast by: checked, stored with its event; not committed.

    The caller has loaded `row` for change and knows whose ballot it is (`entry`); it
    commits, alone or with other ballots (a paper batch counts all its ballots at once).
    """
    if phase_of(row) is not Phase.VOTING:
        raise ConflictError(
            f"ballots are cast in phase 'voting'; the round is in '{row.phase}'", "phase"
        )
    assert row.id is not None
    config = config_of(uow.rounds, row)
    existing = uow.ballots.ballot_of(row.id, entry.voter.voter_key)
    check_may_vote(config, existing, entry.channel, ballot)
    count = counted(ballot, existing, entry.channel)
    choices = checked_choices(uow.rounds, row, config, count)
    reason = override_reason(ballot) if ballot.override else None
    stored, event = _stored(
        uow,
        row,
        entry=entry,
        existing=existing,
        count=count,
        choices=choices,
        override_reason=reason,
    )
    return stored, count, event


def _stored(
    uow: UnitOfWork,
    row: RoundRow,
    *,
    entry: Entry,
    existing: BallotRow | None,
    count: Counted,
    choices: tuple[list[str], list[Fraction] | None],
    override_reason: str | None,
) -> tuple[BallotRow, Event]:
    """The ballot's event appended to the log, and the ballot stored with its tracker."""
    assert row.id is not None
    projects, points = choices
    attributes = json.loads(entry.voter.attributes_json)
    contents = ballot_contents(projects, points_to_json(points), count.outcomes, attributes)
    number = 0 if existing is None else existing.replaced + 1
    payload = sealed_ballot_event(
        entry.voter.voter_key,
        contents,
        ballot_nonce(row.id, entry.voter.voter_key, number),
        channel=entry.channel,
        staff=entry.staff,
        replaces=None if existing is None else existing.receipt,
    )
    if override_reason is not None:
        payload["override_reason"] = override_reason
    event = uow.log.append(row, kinds.BALLOT_CAST, payload)
    stored = uow.ballots.put_ballot(
        existing,
        round_id=row.id,
        voter_key=entry.voter.voter_key,
        projects=projects,
        points=points,
        outcomes=count.outcomes,
        attributes=attributes,
        channel=entry.channel,
        staff=entry.staff,
        receipt=event.hash,
        cast_at=datetime.fromisoformat(event.at),
    )
    return stored, event


def _kept_reply(uow: UnitOfWork, round_id: int, key: str, request: str) -> Cast | None:
    """The reply kept for this Idempotency-Key, if a request with it was cast before."""
    earlier = uow.ballots.reply(round_id, key)
    if earlier is None:
        return None
    if earlier.request_digest != request:
        raise ConflictError(
            "this Idempotency-Key was used for a different request", "Idempotency-Key"
        )
    body = BallotReceipt.model_validate(json.loads(earlier.response_json))
    return Cast(earlier.status_code, body, replayed=True)


def _sqlite_busy(exc: OperationalError) -> bool:
    return "database is locked" in str(exc.orig) or "database is busy" in str(exc.orig)


def _worth_retrying(exc: OperationalError) -> bool:
    return getattr(exc.orig, "sqlstate", None) in RETRYABLE_SQLSTATES
