"""Voter codes, ballots cast in a live round, and the replies kept for Idempotency-Key retries."""

from __future__ import annotations

import json
from datetime import datetime
from fractions import Fraction

from sqlalchemy import func
from sqlmodel import Session, col, select

from pbengine.core.money import plain
from pbengine.store.tables import BallotRow, IdempotencyRow, VoterCodeRow


class BallotRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

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

    def voter_by_digest(self, code_hash: str) -> VoterCodeRow | None:
        return self.session.exec(
            select(VoterCodeRow).where(VoterCodeRow.code_hash == code_hash)
        ).first()

    def voter_by_key(self, round_id: int, voter_key: str) -> VoterCodeRow | None:
        return self.session.exec(
            select(VoterCodeRow).where(
                VoterCodeRow.round_id == round_id, VoterCodeRow.voter_key == voter_key
            )
        ).first()

    def count_voter_codes(self, round_id: int) -> int:
        return int(
            self.session.exec(
                select(func.count())
                .select_from(VoterCodeRow)
                .where(VoterCodeRow.round_id == round_id)
            ).one()
        )

    def ballot_of(self, round_id: int, voter_key: str) -> BallotRow | None:
        """The voter's ballot as the database holds it now, not as this session last saw it:
        a replacement must name the ballot it replaces (read it with the round locked)."""
        return self.session.exec(
            select(BallotRow)
            .where(BallotRow.round_id == round_id, BallotRow.voter_key == voter_key)
            .execution_options(populate_existing=True)
        ).first()

    def ballots(self, round_id: int) -> list[BallotRow]:
        """Every counted ballot of the round (one per voter), in the order first cast."""
        query = select(BallotRow).where(BallotRow.round_id == round_id)
        return list(self.session.exec(query.order_by(BallotRow.position)))  # type: ignore[arg-type]

    def next_position(self, round_id: int) -> int:
        last = self.session.exec(
            select(func.max(BallotRow.position)).where(BallotRow.round_id == round_id)
        ).one()
        return 0 if last is None else int(last) + 1

    def put_ballot(
        self,
        existing: BallotRow | None,
        *,
        round_id: int,
        voter_key: str,
        projects: list[str],
        points: list[Fraction] | None,
        outcomes: list[str],
        attributes: dict[str, str],
        channel: str,
        staff: str | None,
        receipt: str,
        cast_at: datetime,
    ) -> BallotRow:
        """Insert a voter's ballot, or replace their earlier one in place."""
        row = existing or BallotRow(
            round_id=round_id,
            position=self.next_position(round_id),
            voter_key=voter_key,
            projects_json="[]",
        )
        if existing is not None:
            row.replaced += 1
        row.projects_json = json.dumps(projects, ensure_ascii=False)
        row.points_json = None if points is None else json.dumps([plain(p) for p in points])
        row.outcomes_json = json.dumps(outcomes, ensure_ascii=False)
        row.attributes_json = json.dumps(attributes, ensure_ascii=False)
        row.channel = channel
        row.staff = staff
        row.receipt = receipt
        row.cast_at = cast_at
        self.session.add(row)
        return row

    def outcome_votes(self, round_id: int) -> list[list[str]]:
        """Each ballot's outcome priorities, in the voter's order."""
        rows = self.session.exec(
            select(BallotRow.outcomes_json)
            .where(BallotRow.round_id == round_id)
            .order_by(col(BallotRow.position))
        ).all()
        return [json.loads(text) for text in rows if text]

    def reply(self, round_id: int, key: str) -> IdempotencyRow | None:
        return self.session.exec(
            select(IdempotencyRow).where(
                IdempotencyRow.round_id == round_id, IdempotencyRow.key == key
            )
        ).first()

    def keep_reply(
        self, round_id: int, key: str, request_digest: str, status_code: int, body: object
    ) -> None:
        self.session.add(
            IdempotencyRow(
                round_id=round_id,
                key=key,
                request_digest=request_digest,
                status_code=status_code,
                response_json=json.dumps(body, ensure_ascii=False),
            )
        )
