"""Ballots of one round checked one at a time, as they come, and stored together.

Every ballot goes through here: an online ballot (alone, or in a batch of
concurrent ones, service/casting.py) and a counted batch of paper ballots
alike. The caller has loaded the round for change and commits.

`stage` checks a ballot completely and keeps it, writing nothing: a refused
ballot leaves the batch as it was, so the others in it go on. `store` appends
the kept ballots' events to the round's log in one go, then writes the ballots
with their trackers. A voter's second ballot in one batch stores the batch
first: its event must name the tracker of the ballot it replaces.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any

from pbengine.core.audit import kinds
from pbengine.core.audit.chain import Event
from pbengine.core.audit.commitment import ballot_contents
from pbengine.core.election_json import points_to_json
from pbengine.core.money import plain
from pbengine.core.phases import Phase
from pbengine.service.access import phase_of
from pbengine.service.ballot_box import BallotBox, ballot_box, checked_choices
from pbengine.service.ballots import (
    BallotIn,
    Counted,
    Entry,
    check_may_vote,
    counted,
    override_reason,
)
from pbengine.service.errors import ConflictError
from pbengine.service.events import ballot_nonce, sealed_ballot_event
from pbengine.store.ballots import StoredBallot, Voter
from pbengine.store.tables import RoundRow
from pbengine.store.unit_of_work import UnitOfWork


@dataclass(eq=False)
class Staged:
    """A ballot checked and kept for the batch; `stored` and `event` once the batch is."""

    entry: Entry
    existing: StoredBallot | None
    count: Counted
    projects: list[str]
    points: list[Fraction] | None
    payload: dict[str, Any]
    stored: StoredBallot | None = None
    event: Event | None = field(default=None)

    def tracker(self) -> str:
        assert self.event is not None, "the batch is not stored yet"
        return self.event.hash


class BallotBatch:
    def __init__(
        self,
        uow: UnitOfWork,
        row: RoundRow,
        box: BallotBox | None = None,
        voter_keys: Iterable[str] = (),
        known: Mapping[str, Voter] | None = None,
    ) -> None:
        """`voter_keys`: the voters whose ballots are expected, read in one go, but for
        those the caller has `known` (by key) already."""
        assert row.id is not None
        self.uow, self.row, self.round_id = uow, row, row.id
        self.box = box or ballot_box(uow, row)
        keys = list(voter_keys)
        self._voters = {k: v for k, v in (known or {}).items() if v.round_id == row.id}
        unknown = [k for k in keys if k not in self._voters]
        self._voters |= uow.ballots.voters(row.id, unknown) if unknown else {}
        self._ballots: dict[str, StoredBallot | None] = dict.fromkeys(keys)
        self._ballots |= uow.ballots.ballots_of(row.id, keys) if keys else {}
        self._staged: list[Staged] = []
        self._position: int | None = None

    def voter(self, voter_key: str) -> Voter | None:
        """The round's voter with this key (a resident's, from their code)."""
        if voter_key not in self._voters:
            found = self.uow.ballots.voter_by_key(self.round_id, voter_key)
            if found is None:
                return None
            self._voters[voter_key] = found
        return self._voters[voter_key]

    def stage(self, entry: Entry, ballot: BallotIn) -> Staged:
        """Check the ballot and keep it for `store`; a refusal (ServiceError) keeps nothing."""
        if phase_of(self.row) is not Phase.VOTING:
            raise ConflictError(
                f"ballots are cast in phase 'voting'; the round is in '{self.row.phase}'", "phase"
            )
        key = entry.voter.voter_key
        if any(s.entry.voter.voter_key == key for s in self._staged):
            self.store()
        existing = self._existing(key)
        check_may_vote(self.box.config, existing, entry.channel, ballot)
        count = counted(ballot, existing, entry.channel)
        projects, points = checked_choices(self.box, self.row, count)
        attributes = json.loads(entry.voter.attributes_json)
        contents = ballot_contents(projects, points_to_json(points), count.outcomes, attributes)
        number = 0 if existing is None else existing.replaced + 1
        payload = sealed_ballot_event(
            key,
            contents,
            ballot_nonce(self.round_id, key, number),
            channel=entry.channel,
            staff=entry.staff,
            replaces=None if existing is None else existing.receipt,
        )
        if ballot.override:
            payload["override_reason"] = override_reason(ballot)
        staged = Staged(entry, existing, count, projects, points, payload)
        self._staged.append(staged)
        return staged

    def store(self) -> None:
        """Append the kept ballots' events, then write the ballots with their trackers."""
        staged, self._staged = self._staged, []
        if not staged:
            return
        events = self.uow.log.append_many(
            self.row, [(kinds.BALLOT_CAST, s.payload) for s in staged]
        )
        new: list[StoredBallot] = []
        replacing: list[StoredBallot] = []
        for s, event in zip(staged, events, strict=True):
            s.event, s.stored = event, self._stored(s, event)
            self._ballots[s.entry.voter.voter_key] = s.stored
            (new if s.existing is None else replacing).append(s.stored)
        self.uow.ballots.put_ballots(new, replacing)

    def _existing(self, voter_key: str) -> StoredBallot | None:
        if voter_key not in self._ballots:
            self._ballots[voter_key] = self.uow.ballots.ballot_of(self.round_id, voter_key)
        return self._ballots[voter_key]

    def _stored(self, s: Staged, event: Event) -> StoredBallot:
        existing = s.existing
        return StoredBallot(
            round_id=self.round_id,
            voter_key=s.entry.voter.voter_key,
            position=self._next_position() if existing is None else existing.position,
            projects_json=json.dumps(s.projects, ensure_ascii=False),
            points_json=None if s.points is None else json.dumps([plain(p) for p in s.points]),
            outcomes_json=json.dumps(s.count.outcomes, ensure_ascii=False),
            attributes_json=s.entry.voter.attributes_json,
            channel=s.entry.channel,
            staff=s.entry.staff,
            receipt=event.hash,
            replaced=0 if existing is None else existing.replaced + 1,
            cast_at=datetime.fromisoformat(event.at),
        )

    def _next_position(self) -> int:
        if self._position is None:
            self._position = self.uow.ballots.next_position(self.round_id)
        position, self._position = self._position, self._position + 1
        return position
