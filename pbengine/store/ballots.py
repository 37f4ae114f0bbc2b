"""Voter codes, ballots cast in a live round, and the replies kept for Idempotency-Key retries.

The reads and writes a ballot makes are plain statements returning plain
records, not ORM objects: every ballot pays for them, on the busiest evening of
a round (bench/intake.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Executable, Result, func
from sqlmodel import Session, col, select

from pbengine.store import ballot_statements as sql
from pbengine.store.statistics import doubled, due_after_commit
from pbengine.store.tables import BallotRow, VoterCodeRow, utc_now

ANALYZE_AFTER = 500
"""Issuing this many codes at once refreshes PostgreSQL's statistics of the table."""


@dataclass(frozen=True)
class Voter:
    """A voter code as a ballot needs it: its round, its pseudonymous key, what is known."""

    round_id: int
    voter_key: str
    attributes_json: str


@dataclass(frozen=True)
class StoredBallot:
    """A voter's counted ballot as the database holds it."""

    round_id: int
    voter_key: str
    position: int
    projects_json: str
    points_json: str | None
    outcomes_json: str | None
    attributes_json: str
    channel: str
    staff: str | None
    receipt: str | None
    replaced: int
    cast_at: datetime | None


@dataclass(frozen=True)
class KeptReply:
    """The reply kept for an Idempotency-Key, and a digest of the request it answered."""

    request_digest: str
    status_code: int
    response_json: str


class BallotRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _run(self, statement: Executable, **parameters: object) -> Result[Any]:
        return self.session.connection().execute(statement, parameters)

    def add_voter_codes(
        self, round_id: int, entries: list[tuple[str, str]], attributes: dict[str, str]
    ) -> None:
        """Store (code digest, voter key) pairs; the codes themselves are never stored."""
        text = json.dumps(attributes, ensure_ascii=False)
        for code_hash, voter_key in entries:
            self.session.add(
                VoterCodeRow(
                    round_id=round_id,
                    code_hash=code_hash,
                    voter_key=voter_key,
                    attributes_json=text,
                )
            )
        # PostgreSQL plans the look-ups of a round's voters from its statistics, which stay
        # those of the table before a large issue until autovacuum's next pass (up to a
        # minute): a round voting at once then read every one of its codes for each batch
        # of ballots (bench/intake.py). Analysed after the issue commits, as the round's
        # tables are (store/statistics.py). A desk issuing codes one by one leaves it to
        # autovacuum: ANALYZE reads a sample of the whole table each time.
        if len(entries) >= ANALYZE_AFTER:
            due_after_commit(self.session, "voter_code")

    def voter_by_digest(self, code_hash: str) -> Voter | None:
        return self.voters_by_digest([code_hash]).get(code_hash)

    def voters_by_digest(self, code_hashes: Iterable[str]) -> dict[str, Voter]:
        """The voters these code digests name, by digest (unknown digests are left out)."""
        rows = self._run(sql.VOTERS_BY_DIGEST, code_hashes=list(code_hashes))
        return {r.code_hash: Voter(r.round_id, r.voter_key, r.attributes_json) for r in rows}

    def voters(self, round_id: int, voter_keys: Iterable[str]) -> dict[str, Voter]:
        """The round's voter codes with these keys, by key."""
        rows = self._run(sql.VOTERS, round_id=round_id, keys=list(voter_keys))
        return {r.voter_key: Voter(round_id, r.voter_key, r.attributes_json) for r in rows}

    def voter_by_key(self, round_id: int, voter_key: str) -> Voter | None:
        return self.voters(round_id, [voter_key]).get(voter_key)

    def count_voter_codes(self, round_id: int) -> int:
        return int(
            self.session.exec(
                select(func.count())
                .select_from(VoterCodeRow)
                .where(VoterCodeRow.round_id == round_id)
            ).one()
        )

    def ballots_of(self, round_id: int, voter_keys: Iterable[str]) -> dict[str, StoredBallot]:
        """These voters' ballots as the database holds them now (read with the round locked:
        a replacement must name the ballot it replaces), by voter key."""
        rows = self._run(sql.BALLOTS, round_id=round_id, keys=list(voter_keys))
        return {row.voter_key: StoredBallot(**row._mapping) for row in rows}

    def ballot_of(self, round_id: int, voter_key: str) -> StoredBallot | None:
        return self.ballots_of(round_id, [voter_key]).get(voter_key)

    def ballots(self, round_id: int) -> list[BallotRow]:
        """Every counted ballot of the round (one per voter), in the order first cast."""
        query = select(BallotRow).where(BallotRow.round_id == round_id)
        return list(self.session.exec(query.order_by(BallotRow.position)))  # type: ignore[arg-type]

    def next_position(self, round_id: int) -> int:
        last = self._run(sql.LAST_POSITION, round_id=round_id).scalar()
        return 0 if last is None else int(last) + 1

    def put_ballots(self, new: list[StoredBallot], replacing: list[StoredBallot]) -> None:
        """Insert new ballots, and replace voters' earlier ones in place (`replacing` holds the
        ballots that replace them, their `replaced` counts already raised)."""
        connection = self.session.connection()
        if new:
            connection.execute(sql.INSERT_BALLOTS, [_row(b) for b in new])
            # The round's tables analysed as it fills (store/statistics.py), after commit.
            if any(doubled(b.position, b.position + 1) for b in new):
                due_after_commit(self.session)
        if replacing:
            rows = [_row(b) | {"b_round": b.round_id, "b_voter": b.voter_key} for b in replacing]
            for row in rows:
                del row["round_id"], row["voter_key"], row["position"]
            connection.execute(sql.REPLACE_BALLOT, rows)

    def ballot_costs(self, round_id: int, status: str) -> list[tuple[str, str]]:
        """(project id, cost) of the round's projects in `status`: what ballots are checked
        against, without loading the projects."""
        rows = self._run(sql.COSTS, round_id=round_id, status=status)
        return [(r.project_key, r.cost) for r in rows]

    def outcome_votes(self, round_id: int) -> list[list[str]]:
        """Each ballot's outcome priorities, in the voter's order."""
        rows = self.session.exec(
            select(BallotRow.outcomes_json)
            .where(BallotRow.round_id == round_id)
            .order_by(col(BallotRow.position))
        ).all()
        return [json.loads(text) for text in rows if text]

    def replies(self, round_id: int, keys: Iterable[str]) -> dict[str, KeptReply]:
        rows = self._run(sql.REPLIES, round_id=round_id, keys=list(keys))
        return {r.key: KeptReply(r.request_digest, r.status_code, r.response_json) for r in rows}

    def keep_replies(self, round_id: int, replies: dict[str, tuple[str, int, Any]]) -> None:
        """Replies to keep, by Idempotency-Key: (request digest, status, body)."""
        if not replies:
            return
        self.session.connection().execute(
            sql.INSERT_REPLIES,
            [
                {
                    "round_id": round_id,
                    "key": key,
                    "request_digest": request_digest,
                    "status_code": status,
                    "response_json": json.dumps(body, ensure_ascii=False),
                    "created_at": utc_now(),
                }
                for key, (request_digest, status, body) in replies.items()
            ],
        )


def _row(ballot: StoredBallot) -> dict[str, Any]:
    return {
        "round_id": ballot.round_id,
        "voter_key": ballot.voter_key,
        "position": ballot.position,
        "projects_json": ballot.projects_json,
        "points_json": ballot.points_json,
        "outcomes_json": ballot.outcomes_json,
        "attributes_json": ballot.attributes_json,
        "channel": ballot.channel,
        "staff": ballot.staff,
        "receipt": ballot.receipt,
        "replaced": ballot.replaced,
        "cast_at": ballot.cast_at,
    }
