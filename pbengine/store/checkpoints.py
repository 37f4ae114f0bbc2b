"""Signed checkpoints: the head of a round's log at each phase change, signed by the server."""

from __future__ import annotations

from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select


class CheckpointRow(SQLModel, table=True):
    """A signed head (core/audit/signing.py) kept as signed; never updated."""

    __tablename__ = "checkpoint"
    __table_args__ = (UniqueConstraint("round_id", "height"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id")
    height: int
    hash: str
    at: str
    key_id: str
    signature: str


class CheckpointRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, signed: dict[str, Any]) -> None:
        self.session.add(
            CheckpointRow(
                round_id=signed["round"],
                height=signed["height"],
                hash=signed["hash"],
                at=signed["at"],
                key_id=signed["key_id"],
                signature=signed["signature"],
            )
        )

    def of_round(self, round_id: int, kind: str) -> list[dict[str, Any]]:
        """The round's checkpoints in log order, each as the signed head it was signed as."""
        rows = self.session.exec(
            select(CheckpointRow)
            .where(CheckpointRow.round_id == round_id)
            .order_by(col(CheckpointRow.height))
        ).all()
        return [
            {
                "kind": kind,
                "round": r.round_id,
                "height": r.height,
                "hash": r.hash,
                "at": r.at,
                "key_id": r.key_id,
                "signature": r.signature,
            }
            for r in rows
        ]
