"""A ballot before it is stored: whose it is, by which channel, and what of it counts.

One code, one counted ballot, and no channel overwrites another silently
(docs/voting.md):

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
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from pbengine.service.access import own_round
from pbengine.service.config import Amount, RoundConfig
from pbengine.service.errors import (
    ConflictError,
    ForbiddenError,
    InvalidError,
    Principal,
    UnauthorizedError,
)
from pbengine.service.replies import BallotReceipt, CountedBallot
from pbengine.service.signed_replies import SignedHead
from pbengine.store.ballots import StoredBallot, Voter
from pbengine.store.tables import RoundRow
from pbengine.store.tokens import voter_code_digest
from pbengine.store.unit_of_work import UnitOfWork

STAFF_CHANNELS = ("paper", "assisted")
ONLINE = "online"


# The schema states what `_staff` refuses: a reason goes with an override, and an override
# needs one that is not blank.
_OVERRIDE_NEEDS_A_REASON: JsonDict = {
    "if": {"required": ["override"], "properties": {"override": {"const": True}}},
    "then": {
        "required": ["override_reason"],
        "properties": {"override_reason": {"type": "string", "pattern": "\\S"}},
    },
    "else": {"properties": {"override_reason": {"type": "null"}}},
}


class BallotIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_OVERRIDE_NEEDS_A_REASON)

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
class Entry:
    """Whose ballot this is, the channel it came by, and the staff member who entered it."""

    voter: Voter
    channel: str
    staff: str | None


@dataclass(frozen=True)
class Counted:
    """A ballot as it will be counted: the request, with what a revote left out filled in."""

    projects: list[str]
    points: dict[str, str] | None
    outcomes: list[str]
    kept: list[str]
    """The parts kept from the voter's earlier ballot."""


def entry_of(
    uow: UnitOfWork,
    principal: Principal,
    row: RoundRow,
    ballot: BallotIn,
    voter_of: Callable[[str], Voter | None] | None = None,
) -> Entry:
    """Who casts this ballot: a resident with their code, or staff giving a voter's code.

    `voter_of`: how to find a resident's voter by key, when the caller has them at hand."""
    if principal.is_resident:
        return _resident(uow, principal, row, ballot, voter_of)
    if principal.role is None:
        raise UnauthorizedError(
            "voting needs a voter code: send 'Authorization: Bearer <code>'", "authorization"
        )
    assert row.id is not None
    own_round(uow.rounds, principal, row.id)  # auditors and other councils stop here
    return _staff(uow, principal, row, ballot)


def _resident(
    uow: UnitOfWork,
    principal: Principal,
    row: RoundRow,
    ballot: BallotIn,
    voter_of: Callable[[str], Voter | None] | None,
) -> Entry:
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
    assert row.id is not None
    voter = (voter_of or partial(uow.ballots.voter_by_key, row.id))(principal.voter_key)
    assert voter is not None  # the code was found under this key
    return Entry(voter, ONLINE, None)


def _staff(uow: UnitOfWork, principal: Principal, row: RoundRow, ballot: BallotIn) -> Entry:
    if ballot.channel is None:
        raise InvalidError("staff entering a ballot say how it came: paper or assisted", "channel")
    if not ballot.voter_code:
        raise InvalidError("staff entering a ballot give the voter's code", "voter_code")
    if ballot.override_reason is not None and not ballot.override:
        raise InvalidError("an override_reason goes with override: true", "override")
    if ballot.override and not override_reason(ballot):
        raise InvalidError(
            "an override replaces the ballot this code has cast: say why in override_reason "
            "(the round's record keeps it)",
            "override_reason",
        )
    voter = uow.ballots.voter_by_digest(voter_code_digest(ballot.voter_code))
    if voter is None or voter.round_id != row.id:
        raise InvalidError("no such voter code in this round", "voter_code")
    return Entry(voter, ballot.channel, principal.staff)


def override_reason(ballot: BallotIn) -> str:
    """An override's reason, as the round's record keeps it."""
    return (ballot.override_reason or "").strip()


def check_may_vote(
    config: RoundConfig, existing: StoredBallot | None, channel: str, ballot: BallotIn
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


def _described(ballot: StoredBallot) -> str:
    """'an online ballot was cast with it at 2027-05-04 18:02:11 UTC', for a refusal."""
    channel = ballot.channel
    how = "cast with it" if channel == ONLINE else "entered for it by council staff"
    article = "an" if channel[:1] in "aeiou" else "a"
    when = "" if ballot.cast_at is None else f" at {ballot.cast_at:%Y-%m-%d %H:%M:%S} UTC"
    return f"{article} {channel} ballot was {how}{when}"


def counted(ballot: BallotIn, existing: StoredBallot | None, channel: str) -> Counted:
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
    return Counted(projects, points, outcomes, kept)


def receipt(
    ballot: StoredBallot, counted: Counted, signed: SignedHead | None = None
) -> BallotReceipt:
    """The reply to an accepted ballot: the whole ballot as counted, and what of it a revote
    left out and so kept, so a resident sees at once that their earlier choices stand."""
    assert ballot.cast_at is not None
    assert ballot.receipt is not None
    return BallotReceipt(
        round=ballot.round_id,
        tracker=ballot.receipt,
        channel=ballot.channel,
        replaced_earlier_ballot=ballot.replaced > 0,
        cast_at=ballot.cast_at.isoformat(),
        ballot=CountedBallot(
            projects=json.loads(ballot.projects_json),
            points=None if ballot.points_json is None else json.loads(ballot.points_json),
            outcomes=counted.outcomes,
        ),
        kept_from_earlier_ballot=counted.kept,
        receipt=signed,
    )
