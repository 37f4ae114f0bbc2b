"""Assessors' pseudonyms and assessments' comments (the assessments live in the log)."""

from __future__ import annotations

import hashlib
import secrets

from sqlmodel import Session, col, select

from pbengine.store.tables import AssessmentCommentRow, AssessorRow


def assessor_digest(code: str) -> str:
    """The digest of a code as typed, in the assessment's own domain: it differs from the
    voter code's digest (store/tokens.py), so the two tables do not join."""
    normal = "".join(c for c in code.upper() if c.isalnum())
    return hashlib.sha256(f"assessor-code:{normal}".encode()).hexdigest()


def new_assessor_key() -> str:
    """The pseudonym an assessment is logged under: never a ballot's voter key."""
    return f"a-{secrets.token_hex(8)}"


class AssessmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def assessor(self, code_digest: str) -> AssessorRow | None:
        return self.session.exec(
            select(AssessorRow).where(AssessorRow.code_digest == code_digest)
        ).first()

    def add_assessors(self, rows: list[AssessorRow]) -> None:
        self.session.add_all(rows)
        self.session.flush()

    def add_comment(self, round_id: int, event_hash: str, salt: str, text: str) -> None:
        self.session.add(
            AssessmentCommentRow(round_id=round_id, event_hash=event_hash, salt=salt, text=text)
        )

    def comments(self, round_id: int) -> dict[str, AssessmentCommentRow]:
        """The round's comments by the hash of the event that logged their digest."""
        rows = self.session.exec(
            select(AssessmentCommentRow)
            .where(AssessmentCommentRow.round_id == round_id)
            .order_by(col(AssessmentCommentRow.id))
        ).all()
        return {row.event_hash: row for row in rows}
