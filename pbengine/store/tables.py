"""Database tables for rounds and what they hold.

Money is stored as exact decimal text, never as a float or a database
numeric, so that an election read back from SQLite or PostgreSQL is the
same election and allocates to the same outcome, bit for bit. Free-form
attributes are JSON text, which keeps their order.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Index
from sqlmodel import Field, SQLModel, UniqueConstraint


def utc_now() -> datetime:
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
    # The council's settings beyond the columns above (currency, districts, categories,
    # outcome priorities, ballot settings, schedule), as the service's RoundConfig JSON.
    config_json: str = Field(default="{}", sa_column_kwargs={"server_default": "{}"})
    created_at: datetime = Field(default_factory=utc_now)


class ProjectRow(SQLModel, table=True):
    __tablename__ = "project"
    __table_args__ = (UniqueConstraint("round_id", "project_key"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    position: int
    project_key: str
    cost: str
    attributes_json: str = "{}"
    # proposed -> accepted | rejected | merged, decided by the council in review.
    status: str = Field(default="accepted", sa_column_kwargs={"server_default": "accepted"})
    cost_estimate: str | None = None
    proposer: str | None = None
    reason: str | None = None
    merged_into: str | None = None


class BallotRow(SQLModel, table=True):
    __tablename__ = "ballot"
    # One ballot per voter per round, enforced by the database itself. A batch of ballots
    # asks for the round's last position under the round's lock (store/ballots.py): by
    # (round_id, position) that is one index entry, not a scan of the round's ballots.
    __table_args__ = (
        UniqueConstraint("round_id", "voter_key"),
        Index("ix_ballot_round_position", "round_id", "position"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # No index of its own: the unique (round_id, voter_key) starts with it.
    round_id: int = Field(foreign_key="round.id")
    position: int
    voter_key: str
    projects_json: str
    points_json: str | None = None
    attributes_json: str = "{}"
    channel: str = "import"
    outcomes_json: str | None = None
    staff: str | None = None
    receipt: str | None = None
    replaced: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    cast_at: datetime | None = None


class AllocationRow(SQLModel, table=True):
    __tablename__ = "allocation"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    rule: str
    selected_json: str
    decisions_json: str
    notes_json: str = "[]"
    # The equalities report computed with the allocation (JSON), kept so that it is shown
    # exactly as it was computed.
    report_json: str = Field(default="{}", sa_column_kwargs={"server_default": "{}"})
    created_at: datetime = Field(default_factory=utc_now)


class EventRow(SQLModel, table=True):
    """One event of a round's hash-chained log (core/audit/chain.py); never updated."""

    __tablename__ = "event"
    # A second writer at the same height fails here instead of forking the chain.
    __table_args__ = (UniqueConstraint("round_id", "height"),)

    id: int | None = Field(default=None, primary_key=True)
    # Indexed by the unique (round_id, height) alone: every index more slows each ballot.
    round_id: int = Field(foreign_key="round.id")
    height: int
    type: str
    at: str
    payload_json: str
    """The payload as canonical JSON, exactly the text that was hashed."""
    parent: str
    hash: str


class TokenRow(SQLModel, table=True):
    """An API bearer token. Only its SHA-256 is stored; the token is shown once, at creation."""

    __tablename__ = "token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, index=True)
    role: str
    council: str
    # Who holds the token (a staff member's name); recorded with the paper ballots they enter.
    label: str = Field(default="", sa_column_kwargs={"server_default": ""})
    created_at: datetime = Field(default_factory=utc_now)
    # Seconds since the epoch, like staff sessions': compared in SQL on both databases.
    expires_at: int | None = Field(default=None, sa_type=BigInteger)
    """None: a token made before tokens expired; it lasts until revoked."""
    revoked_at: int | None = Field(default=None, sa_type=BigInteger)
    last_used_at: int | None = Field(default=None, sa_type=BigInteger)


class VoterCodeRow(SQLModel, table=True):
    """A resident's voter code for one round. Only its SHA-256 is stored.

    Ballots refer to the pseudonymous `voter_key`, never to the code, so the
    ballot table alone cannot tell who voted what.
    """

    __tablename__ = "voter_code"
    __table_args__ = (UniqueConstraint("round_id", "voter_key"),)

    id: int | None = Field(default=None, primary_key=True)
    # No index of its own: the unique (round_id, voter_key) starts with it.
    round_id: int = Field(foreign_key="round.id")
    code_hash: str = Field(unique=True, index=True)
    voter_key: str
    # Facts about the voter the council knows when issuing (district, age band...).
    attributes_json: str = "{}"
    created_at: datetime = Field(default_factory=utc_now)


class IdempotencyRow(SQLModel, table=True):
    """The response to a request sent with an Idempotency-Key, returned again on a retry."""

    __tablename__ = "idempotency"
    __table_args__ = (UniqueConstraint("round_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    # No index of its own: the unique (round_id, key) starts with it (migration 0015).
    round_id: int = Field(foreign_key="round.id")
    key: str
    request_digest: str
    status_code: int
    response_json: str
    created_at: datetime = Field(default_factory=utc_now)


class StaffSessionRow(SQLModel, table=True):
    """A signed-in browser of council staff or an auditor: the pages' session.

    Only the SHA-256 of the cookie's secret is stored, as for tokens. The token it was
    opened with is looked up on every request, so revoking the token ends its sessions.
    """

    __tablename__ = "staff_session"

    id: int | None = Field(default=None, primary_key=True)
    session_hash: str = Field(unique=True, index=True)
    token_id: int = Field(foreign_key="token.id", index=True)
    # Every form a session posts carries this; a page on another site cannot know it.
    csrf_token: str
    created_at: datetime = Field(default_factory=utc_now)
    # Seconds since the epoch: compared as a number, the same on SQLite and PostgreSQL.
    expires_at: int = Field(sa_type=BigInteger)


class PaperBatchRow(SQLModel, table=True):
    """A batch of paper ballots, entered twice by two staff members, then counted at once
    (docs/voting.md). `pass_1_staff` and `pass_2_staff` are who took each pass."""

    __tablename__ = "paper_batch"
    __table_args__ = (UniqueConstraint("round_id", "label"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    label: str
    # The number of ballot papers in the batch, when staff counted them on opening it.
    papers: int | None = None
    status: str = "open"
    opened_by: str
    pass_1_staff: str | None = None
    pass_2_staff: str | None = None
    counted_by: str | None = None
    counted_at: datetime | None = None
    # The hash of the batch's paper_batch.counted event.
    event_hash: str | None = None
    created_at: datetime = Field(default_factory=utc_now)


class PaperEntryRow(SQLModel, table=True):
    """One paper ballot as one pass entered it. The voter code only as its digest, and the
    last characters of the code (`code_hint`) for staff comparing the passes."""

    __tablename__ = "paper_entry"
    __table_args__ = (UniqueConstraint("batch_id", "pass_number", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="paper_batch.id", index=True)
    pass_number: int
    position: int
    code_hash: str
    code_hint: str
    projects_json: str
    points_json: str | None = None
    outcomes_json: str = "[]"
    staff: str
    corrections: int = 0
    entered_at: datetime = Field(default_factory=utc_now)


class PaperDecisionRow(SQLModel, table=True):
    """A staff member's decision on one position of a batch, after looking at the paper:
    pass 1's ballot, pass 2's, one typed from the paper, or none (set aside)."""

    __tablename__ = "paper_decision"
    __table_args__ = (UniqueConstraint("batch_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="paper_batch.id", index=True)
    position: int
    # What both passes said at the position when it was decided (core/double_entry.py).
    position_key: str
    choice: str
    # The ballot that counts here (none when set aside, or the chosen pass has none).
    code_hash: str | None = None
    code_hint: str | None = None
    projects_json: str | None = None
    points_json: str | None = None
    outcomes_json: str | None = None
    staff: str
    note: str
    decided_at: datetime = Field(default_factory=utc_now)


class VolunteerRow(SQLModel, table=True):
    """A resident or organisation offering to help deliver a funded project (co-delivery).

    Their name, offer and contact stay here, for the round's council only: the round's
    log records the sign-up by number, never who signed up or how to reach them.
    """

    __tablename__ = "volunteer"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    project_key: str
    name: str
    kind: str
    offer: str
    contact: str
    took_part: bool | None = None
    note: str = ""
    created_at: datetime = Field(default_factory=utc_now)


class AssessorRow(SQLModel, table=True):
    """Who may assess a round's delivered projects, under a pseudonym of their own.

    `code_digest` is a digest of the code in a domain of its own, never the voter code's
    digest, so this table cannot be joined to the ballots without the code itself.
    """

    __tablename__ = "assessor"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    code_digest: str = Field(unique=True, index=True)
    assessor_key: str
    district: str | None = None
    # "voter": a voter code of the round, on its first assessment; "assessment": issued for it.
    source: str
    created_at: datetime = Field(default_factory=utc_now)


class AssessmentCommentRow(SQLModel, table=True):
    """An assessment's free text: public, kept apart from the log, which holds its digest."""

    __tablename__ = "assessment_comment"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    event_hash: str = Field(unique=True)
    salt: str
    text: str
