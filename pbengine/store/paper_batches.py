"""Paper batches: each pass's entries and staff's decisions, with voter codes as digests."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from pbengine.core.double_entry import CHOICES_OF_DECISION, Choice, Decision, PaperBallot
from pbengine.store.tables import PaperBatchRow, PaperDecisionRow, PaperEntryRow, utc_now

OPEN = "open"
COUNTED = "counted"
_CHOICES: dict[str, Choice] = {choice: choice for choice in CHOICES_OF_DECISION}


class PaperBatchRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def open(self, round_id: int, *, label: str, papers: int | None, staff: str) -> PaperBatchRow:
        row = PaperBatchRow(round_id=round_id, label=label, papers=papers, opened_by=staff)
        self.session.add(row)
        self.session.flush()
        return row

    def batches(self, round_id: int) -> list[PaperBatchRow]:
        return list(
            self.session.exec(
                select(PaperBatchRow)
                .where(PaperBatchRow.round_id == round_id)
                .order_by(col(PaperBatchRow.id))
            ).all()
        )

    def batch(self, round_id: int, batch_id: int) -> PaperBatchRow | None:
        row = self.session.get(PaperBatchRow, batch_id, populate_existing=True)
        return row if row is not None and row.round_id == round_id else None

    def by_label(self, round_id: int, label: str) -> PaperBatchRow | None:
        return self.session.exec(
            select(PaperBatchRow).where(
                PaperBatchRow.round_id == round_id, PaperBatchRow.label == label
            )
        ).first()

    def entries(self, batch_id: int, pass_number: int) -> list[PaperEntryRow]:
        """One pass's entries, in paper order."""
        return list(
            self.session.exec(
                select(PaperEntryRow)
                .where(PaperEntryRow.batch_id == batch_id)
                .where(PaperEntryRow.pass_number == pass_number)
                .order_by(col(PaperEntryRow.position))
            ).all()
        )

    def entered(self, batch_id: int) -> dict[int, int]:
        """How many ballots each pass holds."""
        rows = self.session.exec(
            select(PaperEntryRow.pass_number, func.count())
            .where(PaperEntryRow.batch_id == batch_id)
            .group_by(col(PaperEntryRow.pass_number))
        ).all()
        return {int(number): int(n) for number, n in rows}

    def entry(self, batch_id: int, pass_number: int, position: int) -> PaperEntryRow | None:
        return self.session.exec(
            select(PaperEntryRow).where(
                PaperEntryRow.batch_id == batch_id,
                PaperEntryRow.pass_number == pass_number,
                PaperEntryRow.position == position,
            )
        ).first()

    def put_entry(
        self,
        existing: PaperEntryRow | None,
        *,
        batch_id: int,
        pass_number: int,
        position: int,
        ballot: PaperBallot,
        staff: str,
    ) -> PaperEntryRow:
        """A new entry at `position`, or a correction of the one there."""
        row = existing or PaperEntryRow(
            batch_id=batch_id,
            pass_number=pass_number,
            position=position,
            code_hash="",
            code_hint="",
            projects_json="[]",
            staff=staff,
        )
        if existing is not None:
            row.corrections += 1
            row.entered_at = utc_now()
        row.code_hash, row.code_hint = ballot.code, ballot.hint
        row.projects_json, row.points_json, row.outcomes_json = _choices_json(ballot)
        self.session.add(row)
        self.session.flush()
        return row

    def decisions(self, batch_id: int) -> list[PaperDecisionRow]:
        return list(
            self.session.exec(
                select(PaperDecisionRow)
                .where(PaperDecisionRow.batch_id == batch_id)
                .order_by(col(PaperDecisionRow.position))
            ).all()
        )

    def put_decision(self, batch_id: int, decision: Decision) -> None:
        """A decision on a position, replacing any earlier one there."""
        row = self.session.exec(
            select(PaperDecisionRow).where(
                PaperDecisionRow.batch_id == batch_id,
                PaperDecisionRow.position == decision.position,
            )
        ).first() or PaperDecisionRow(
            batch_id=batch_id,
            position=decision.position,
            position_key="",
            choice="",
            staff="",
            note="",
        )
        row.position_key, row.choice = decision.key, decision.choice
        row.staff, row.note, row.decided_at = decision.by, decision.note, utc_now()
        ballot = decision.ballot
        row.code_hash = None if ballot is None else ballot.code
        row.code_hint = None if ballot is None else ballot.hint
        if ballot is None:
            row.projects_json = row.points_json = row.outcomes_json = None
        else:
            row.projects_json, row.points_json, row.outcomes_json = _choices_json(ballot)
        self.session.add(row)
        self.session.flush()

    def mark_counted(self, row: PaperBatchRow, *, staff: str, at: datetime, event: str) -> None:
        row.status, row.counted_by, row.counted_at, row.event_hash = COUNTED, staff, at, event
        self.session.add(row)


def paper_ballot(row: PaperEntryRow) -> PaperBallot:
    return _ballot(
        row.code_hash, row.code_hint, row.projects_json, row.points_json, row.outcomes_json
    )


def decision_of(row: PaperDecisionRow) -> Decision:
    ballot = None
    if row.code_hash is not None and row.projects_json is not None:
        ballot = _ballot(
            row.code_hash,
            row.code_hint or "",
            row.projects_json,
            row.points_json,
            row.outcomes_json or "[]",
        )
    choice = _CHOICES[row.choice]
    return Decision(row.position, row.position_key, choice, ballot, row.staff, row.note)


def _ballot(code: str, hint: str, projects: str, points: str | None, outcomes: str) -> PaperBallot:
    return PaperBallot(
        code=code,
        hint=hint,
        projects=tuple(json.loads(projects)),
        points=None if points is None else tuple(json.loads(points)),
        outcomes=tuple(json.loads(outcomes)),
    )


def _choices_json(ballot: PaperBallot) -> tuple[str, str | None, str]:
    return (
        json.dumps(list(ballot.projects), ensure_ascii=False),
        None if ballot.points is None else json.dumps(list(ballot.points)),
        json.dumps(list(ballot.outcomes), ensure_ascii=False),
    )
