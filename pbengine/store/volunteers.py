"""Volunteers for co-delivery: their contacts live here, for the council alone."""

from __future__ import annotations

from collections import Counter

from sqlmodel import Session, col, select

from pbengine.store.tables import VolunteerRow


class VolunteerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: VolunteerRow) -> VolunteerRow:
        self.session.add(row)
        self.session.flush()
        return row

    def of_round(self, round_id: int) -> list[VolunteerRow]:
        return list(
            self.session.exec(
                select(VolunteerRow)
                .where(VolunteerRow.round_id == round_id)
                .order_by(col(VolunteerRow.id))
            ).all()
        )

    def get(self, round_id: int, volunteer_id: int) -> VolunteerRow | None:
        row = self.session.get(VolunteerRow, volunteer_id)
        return row if row is not None and row.round_id == round_id else None

    def counts(self, round_id: int) -> Counter[str]:
        """How many signed up for each project."""
        return Counter(row.project_key for row in self.of_round(round_id))
