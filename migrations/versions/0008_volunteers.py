"""volunteers: residents and organisations helping deliver funded projects

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 20:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "volunteer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("project_key", TEXT(), nullable=False),
        sa.Column("name", TEXT(), nullable=False),
        sa.Column("kind", TEXT(), nullable=False),
        sa.Column("offer", TEXT(), nullable=False),
        sa.Column("contact", TEXT(), nullable=False),
        sa.Column("took_part", sa.Boolean(), nullable=True),
        sa.Column("note", TEXT(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_volunteer_round_id"), "volunteer", ["round_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_volunteer_round_id"), table_name="volunteer")
    op.drop_table("volunteer")
