"""throttle events: the throttles' counts, shared by every worker process of a server

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 00:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    # One row per counted event, deleted once older than the longest window
    # (pbengine/store/throttle_counts.py).
    op.create_table(
        "throttle_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", TEXT(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("source", TEXT(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_throttle_event_key_at", "throttle_event", ["key", "at"])
    op.create_index("ix_throttle_event_at", "throttle_event", ["at"])


def downgrade() -> None:
    op.drop_table("throttle_event")
