"""Database tables for rounds and what they hold.

Money is stored as exact decimal text, never as a float or a database
numeric, so that an election read back from SQLite or PostgreSQL is the
same election and allocates to the same outcome, bit for bit. Free-form
attributes are JSON text, which keeps their order.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Field, SQLModel, UniqueConstraint


def _now() -> datetime:
    return datetime.now(UTC)


class RoundRow(SQLModel, table=True):
    __tablename__ = "round"

    id: int | None = Field(default=None, primary_key=True)
    council: str = Field(index=True)
    title: str
    phase: str
    budget: str
    vote_type: str
    rule: str
    limits_json: str = "{}"
    score_threshold: str | None = None
    meta_json: str = "{}"
    exclusive_json: str = "[]"
    created_at: datetime = Field(default_factory=_now)


class ProjectRow(SQLModel, table=True):
    __tablename__ = "project"
    __table_args__ = (UniqueConstraint("round_id", "project_key"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    position: int
    project_key: str
    cost: str
    attributes_json: str = "{}"


class BallotRow(SQLModel, table=True):
    __tablename__ = "ballot"
    # One ballot per voter per round, enforced by the database itself.
    __table_args__ = (UniqueConstraint("round_id", "voter_key"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    position: int
    voter_key: str
    projects_json: str
    points_json: str | None = None
    attributes_json: str = "{}"
    channel: str = "import"


class AllocationRow(SQLModel, table=True):
    __tablename__ = "allocation"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    rule: str
    selected_json: str
    decisions_json: str
    notes_json: str = "[]"
    created_at: datetime = Field(default_factory=_now)


class TokenRow(SQLModel, table=True):
    """An API bearer token. Only its SHA-256 is stored; the token is shown once, at creation."""

    __tablename__ = "token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, index=True)
    role: str
    council: str
    created_at: datetime = Field(default_factory=_now)
