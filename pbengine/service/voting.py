"""Voter codes and ballots: residents vote online, staff enter paper and assisted ballots.

A ballot is checked completely before anything is stored. It is stored under
the voter's pseudonymous key, never under their code. One code, one counted
ballot, and no channel overwrites another silently (docs/voting.md):

- online, a later ballot from the same code replaces the earlier one while
  voting is open (if the round allows revoting); a part of the ballot it
  leaves out (the projects or points, the outcome priorities) is kept from
  the earlier ballot, and the reply says so;
- a ballot entered by staff from paper (or assisted) is final: the code
  cannot then vote online;
- staff cannot enter a ballot for a code that has voted, by any channel,
  unless they override it explicitly, giving a reason that the ballot's event
  in the round's record keeps.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from pbengine.core.audit import kinds
from pbengine.core.ballot_check import BallotError, check_ballot
from pbengine.core.canonical import digest
from pbengine.core.election import VoteType
from pbengine.core.money import parse_amount
from pbengine.core.phases import ORDER, Phase
from pbengine.formats.election_json import points_to_json
from pbengine.service.access import config_of, get_round, own_round, phase_of, require_known
from pbengine.service.config import Amount, RoundConfig
from pbengine.service.errors import (
    ConflictError,
    ForbiddenError,
    InvalidError,
    Principal,
    ServiceError,
    UnauthorizedError,
)
from pbengine.service.events import ballot_event
from pbengine.store.ballots import BallotRepository
from pbengine.store.events import EventLog
from pbengine.store.repository import ACCEPTED, RoundRepository
from pbengine.store.tables import BallotRow, RoundRow, VoterCodeRow
from pbengine.store.tokens import new_voter_code, new_voter_key, voter_code_digest

STAFF_CHANNELS = ("paper", "assisted")
ONLINE = "online"
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


class BallotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    projects: list[str] | None = Field(
        default=None,
        description="project ids; best first on an ordinal ballot. Left out of a revote "
        "online: the earlier ballot's projects are kept",
    )
    points: dict[str, Amount] | None = Field(
        default=None,
        description="cumulative and scoring ballots: points per project id. Left out of a "
        "revote online (with projects): the earlier ballot's points are kept",
    )
    outcomes: list[str] | None = Field(
        default=None,
        description="outcome priority keys; most important first. Left out of a revote "
        "online: the earlier ballot's are kept; [] names none",
    )
    voter_code: str | None = Field(
        default=None, description="staff entering a paper or assisted ballot: the voter's code"
    )
    channel: Literal["paper", "assisted"] | None = Field(
        default=None, description="staff only: how the ballot reached them"
    )
    override: bool = Field(
        default=False,
        description="staff only: replace the ballot this code has already cast (online or "
        "entered earlier); needs an override_reason",
    )
    override_reason: str | None = Field(
        default=None,
        max_length=1000,
        description="staff only, with override: why; kept in the round's record with the ballot",
    )


@dataclass(frozen=True)
class _Counted:
    """A ballot as it will be counted: the request, with what a revote left out filled in."""

    projects: list[str]
    points: dict[str, str] | None
    outcomes: list[str]
    kept: list[str]
    """The parts kept from the voter's earlier ballot."""


@dataclass(frozen=True)
class Cast:
    status: int
    body: dict[str, Any]
    replayed: bool = False


class VotingService:
    def __init__(self, session: Session, log: EventLog | None = None) -> None:
        self.session = session
        self.rounds = RoundRepository(session)
        self.ballots = BallotRepository(session)
        self.log = log or EventLog(session)

    def issue_codes(self, principal: Principal, round_id: int, order: VoterCodesIn) -> list[str]:
        """New voter codes, returned once and stored only as digests."""
        row = own_round(self.rounds, principal, round_id, for_change=True)
        if ORDER.index(phase_of(row)) > ORDER.index(Phase.VOTING):
            raise ConflictError(f"voting is over (the round is in '{row.phase}')", "phase")
        config = config_of(self.rounds, row)
        district = order.attributes.get("district")
        if district is not None:
            names = [d.name for d in config.districts]
            require_known("district", "districts", [district], names, "attributes.district")
        codes = [new_voter_code() for _ in range(order.count)]
        keys = [new_voter_key() for _ in codes]
        self.ballots.add_voter_codes(
            round_id,
            [(voter_code_digest(code), key) for code, key in zip(codes, keys, strict=True)],
            order.attributes,
        )
        # The keys, not the codes: a replay can then tell a ballot from an issued code
        # from one that no code was issued for.
        self.log.append(
            row,
            kinds.VOTER_CODES_ISSUED,
            {"count": len(keys), "attributes": order.attributes, "voter_keys": keys},
        )
        self.session.commit()
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
            try:
                return self._cast(principal, round_id, ballot, idempotency_key)
            except ServiceError:
                # Nothing was stored; ending the transaction now frees the round's lock
                # for the requests queued behind this one.
                self.session.rollback()
                raise
            except (IntegrityError, OperationalError) as exc:
                self.session.rollback()
                if isinstance(exc, OperationalError) and not _worth_retrying(exc):
                    if _sqlite_busy(exc):
                        raise ConflictError(
                            "the round is busy with other changes; send the ballot again",
                            "voter_code",
                        ) from None
                    raise
                # Another request for this voter (or with this Idempotency-Key) won: cast
                # again from the start, which now sees what it stored.
        raise ConflictError(
            "another ballot for this voter code arrived at the same moment; send it again",
            "voter_code",
        )

    def _cast(
        self,
        principal: Principal,
        round_id: int,
        ballot: BallotIn,
        idempotency_key: str | None,
    ) -> Cast:
        # The round is locked first (FOR UPDATE on PostgreSQL, the write lock on SQLite):
        # the reply kept for the key, the voter's ballot and the log's head are read as
        # the previous change left them, so the event never names a stale ballot.
        row = get_round(self.rounds, round_id, for_change=True)
        voter, channel, staff = self._voter(principal, row, ballot)
        request = digest(
            {
                "voter": voter.voter_key,
                "ballot": ballot.model_dump(mode="json", exclude={"voter_code"}),
            }
        )
        if idempotency_key is not None:
            earlier = self._replay(round_id, idempotency_key, request)
            if earlier is not None:
                self.session.rollback()
                return earlier
        if phase_of(row) is not Phase.VOTING:
            raise ConflictError(
                f"ballots are cast in phase 'voting'; the round is in '{row.phase}'", "phase"
            )
        config = config_of(self.rounds, row)
        existing = self.ballots.ballot_of(round_id, voter.voter_key)
        _check_may_vote(config, existing, channel, ballot)
        counted = _counted(ballot, existing, channel)
        projects, points = self._checked(round_id, row, config, counted)
        attributes = json.loads(voter.attributes_json)
        payload = ballot_event(
            voter.voter_key,
            projects,
            points_to_json(points),
            counted.outcomes,
            attributes,
            channel=channel,
            staff=staff,
            replaces=None if existing is None else existing.receipt,
        )
        if ballot.override:
            payload["override_reason"] = _reason(ballot)
        event = self.log.append(row, kinds.BALLOT_CAST, payload)
        stored = self.ballots.put_ballot(
            existing,
            round_id=round_id,
            voter_key=voter.voter_key,
            projects=projects,
            points=points,
            outcomes=counted.outcomes,
            attributes=attributes,
            channel=channel,
            staff=staff,
            receipt=event.hash,
            cast_at=datetime.fromisoformat(event.at),
        )
        body = _receipt(round_id, stored, counted)
        if idempotency_key is not None:
            self.ballots.keep_reply(round_id, idempotency_key, request, 201, body)
        self.session.commit()
        return Cast(201, body)

    def count(self, round_id: int) -> dict[str, Any]:
        get_round(self.rounds, round_id)
        by_channel = self.rounds.count_ballots(round_id)
        return {
            "round": round_id,
            "ballots": sum(by_channel.values()),
            "by_channel": by_channel,
            "voter_codes_issued": self.ballots.count_voter_codes(round_id),
        }

    def _voter(
        self, principal: Principal, row: RoundRow, ballot: BallotIn
    ) -> tuple[VoterCodeRow, str, str | None]:
        """Whose ballot this is, the channel it came by, and the staff member who entered it."""
        assert row.id is not None
        if principal.is_resident:
            if ballot.voter_code is not None or ballot.channel is not None:
                raise InvalidError(
                    "voter_code and channel are for staff entering a ballot on paper", "voter_code"
                )
            if ballot.override or ballot.override_reason is not None:
                raise InvalidError(
                    "override is for council staff replacing a ballot already cast", "override"
                )
            if principal.round_id != row.id or principal.voter_key is None:
                raise ForbiddenError("this voter code is for another round", "authorization")
            voter = self.ballots.voter_by_key(row.id, principal.voter_key)
            assert voter is not None
            return voter, ONLINE, None
        if principal.role is None:
            raise UnauthorizedError(
                "voting needs a voter code: send 'Authorization: Bearer <code>'", "authorization"
            )
        own_round(self.rounds, principal, row.id)  # auditors and other councils stop here
        if ballot.channel is None:
            raise InvalidError(
                "staff entering a ballot say how it came: paper or assisted", "channel"
            )
        if not ballot.voter_code:
            raise InvalidError("staff entering a ballot give the voter's code", "voter_code")
        if ballot.override_reason is not None and not ballot.override:
            raise InvalidError("an override_reason goes with override: true", "override")
        if ballot.override and not (ballot.override_reason or "").strip():
            raise InvalidError(
                "an override replaces the ballot this code has cast: say why in override_reason "
                "(the round's record keeps it)",
                "override_reason",
            )
        voter = self.ballots.voter_by_digest(voter_code_digest(ballot.voter_code))
        if voter is None or voter.round_id != row.id:
            raise InvalidError("no such voter code in this round", "voter_code")
        return voter, ballot.channel, principal.staff

    def _checked(
        self, round_id: int, row: RoundRow, config: RoundConfig, ballot: _Counted
    ) -> tuple[list[str], list[Fraction] | None]:
        vote_type = VoteType(row.vote_type)
        if vote_type.has_points:
            if ballot.projects:
                raise InvalidError(
                    f"a {vote_type} ballot gives points: send 'points', not 'projects'", "projects"
                )
            projects = list((ballot.points or {}).keys())
            points: list[Fraction] | None = [
                parse_amount(value) for value in (ballot.points or {}).values()
            ]
        else:
            projects, points = list(ballot.projects), None
            if ballot.points is not None:
                raise InvalidError(f"a {vote_type} ballot gives no points", "points")
        _check_outcomes(config, ballot.outcomes)
        if not projects and not ballot.outcomes:
            raise InvalidError("the ballot names no project and no outcome priority", "projects")
        costs = {
            p.project_key: parse_amount(p.cost)
            for p in self.rounds.projects(round_id, status=ACCEPTED)
        }
        try:
            check_ballot(vote_type, config.limits(), costs, projects, points)
        except BallotError as exc:
            raise InvalidError(exc.problem, exc.field) from None
        return projects, points

    def _replay(self, round_id: int, key: str, request: str) -> Cast | None:
        earlier = self.ballots.reply(round_id, key)
        if earlier is None:
            return None
        if earlier.request_digest != request:
            raise ConflictError(
                "this Idempotency-Key was used for a different request", "Idempotency-Key"
            )
        return Cast(earlier.status_code, json.loads(earlier.response_json), replayed=True)


def _check_may_vote(
    config: RoundConfig, existing: BallotRow | None, channel: str, ballot: BallotIn
) -> None:
    """One counted ballot per code, and no channel overwrites another silently."""
    if existing is None:
        if ballot.override:
            raise InvalidError(
                "nothing to override: no ballot has been cast with this voter code", "override"
            )
        return
    if channel in STAFF_CHANNELS:
        if ballot.override:
            return  # the one exception: explicit, with its reason in the record
        raise ConflictError(
            f"this voter code has been used: {_described(existing)}. A staff entry never "
            "replaces a ballot silently: to replace it, send override: true with an "
            "override_reason, which the round's record keeps",
            "voter_code",
        )
    if existing.channel in STAFF_CHANNELS:
        raise ConflictError(
            f"this voter code has been used: {_described(existing)}, and that ballot is "
            "final online",
            "voter_code",
        )
    if not config.revote:
        raise ConflictError(
            f"this voter code has been used: {_described(existing)}; the round allows one "
            "ballot per code",
            "voter_code",
        )


def _described(ballot: BallotRow) -> str:
    """'an online ballot was cast with it at 2027-05-04 18:02:11 UTC', for a refusal."""
    channel = ballot.channel
    how = "cast with it" if channel == ONLINE else "entered for it by council staff"
    article = "an" if channel[:1] in "aeiou" else "a"
    when = "" if ballot.cast_at is None else f" at {ballot.cast_at:%Y-%m-%d %H:%M:%S} UTC"
    return f"{article} {channel} ballot was {how}{when}"


def _counted(ballot: BallotIn, existing: BallotRow | None, channel: str) -> _Counted:
    """The ballot to count: on a revote online, the parts left out are the earlier ones.

    A staff entry (paper, assisted, an override) is the whole of the voter's ballot
    as it reached staff, so nothing is kept for it.
    """
    if ballot.projects is None and ballot.points is None and ballot.outcomes is None:
        raise InvalidError("the ballot names no project and no outcome priority", "projects")
    revote = existing is not None and existing.channel == ONLINE and channel == ONLINE
    kept: list[str] = []
    projects, points = ballot.projects or [], ballot.points
    if revote and ballot.projects is None and ballot.points is None:
        assert existing is not None
        projects = json.loads(existing.projects_json)
        if existing.points_json is not None:
            amounts = json.loads(existing.points_json)
            points = dict(zip(projects, amounts, strict=True))
            projects = []
        kept.append("projects" if points is None else "points")
    outcomes = ballot.outcomes or []
    if revote and ballot.outcomes is None:
        assert existing is not None
        outcomes = json.loads(existing.outcomes_json or "[]")
        kept.append("outcomes")
    return _Counted(projects, points, outcomes, kept)


def _reason(ballot: BallotIn) -> str:
    return (ballot.override_reason or "").strip()


def _sqlite_busy(exc: OperationalError) -> bool:
    return "database is locked" in str(exc.orig) or "database is busy" in str(exc.orig)


def _worth_retrying(exc: OperationalError) -> bool:
    return getattr(exc.orig, "sqlstate", None) in RETRYABLE_SQLSTATES


def _check_outcomes(config: RoundConfig, outcomes: list[str]) -> None:
    keys = [o.key for o in config.outcomes]
    require_known("outcome priority", "outcomes", outcomes, keys, "outcomes")
    most = config.ballot.max_outcomes
    if most is not None and len(outcomes) > most:
        raise InvalidError(
            f"{len(outcomes)} outcome priorities named, above the maximum of {most}",
            "max_outcomes",
        )


def _receipt(round_id: int, ballot: BallotRow, counted: _Counted) -> dict[str, Any]:
    assert ballot.cast_at is not None
    return {
        "round": round_id,
        # The hash of the ballot's event in the round's log: listed at /trackers once
        # voting closes while the ballot counts, and gone from there if it is replaced.
        "tracker": ballot.receipt,
        "channel": ballot.channel,
        "replaced_earlier_ballot": ballot.replaced > 0,
        "cast_at": ballot.cast_at.isoformat(),
        # The whole ballot as counted, and what of it a revote left out and so kept: a
        # resident sees at once that their earlier outcome priorities still stand.
        "ballot": {
            "projects": json.loads(ballot.projects_json),
            "points": None if ballot.points_json is None else json.loads(ballot.points_json),
            "outcomes": counted.outcomes,
        },
        "kept_from_earlier_ballot": counted.kept,
    }
