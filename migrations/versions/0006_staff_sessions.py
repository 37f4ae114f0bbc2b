"""staff sessions: the pages' sign-in for council staff and auditors

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["token_id"], ["token.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_staff_session_session_hash"), "staff_session", ["session_hash"], unique=True
    )
    op.create_index(op.f("ix_staff_session_token_id"), "staff_session", ["token_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_staff_session_token_id"), table_name="staff_session")
    op.drop_index(op.f("ix_staff_session_session_hash"), table_name="staff_session")
    op.drop_table("staff_session")
