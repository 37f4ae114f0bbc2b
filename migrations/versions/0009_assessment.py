"""assessment: assessors' pseudonyms and assessment comments

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "assessor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("code_digest", TEXT(), nullable=False),
        sa.Column("assessor_key", TEXT(), nullable=False),
        sa.Column("district", TEXT(), nullable=True),
        sa.Column("source", TEXT(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_assessor_round_id"), "assessor", ["round_id"])
    op.create_index(op.f("ix_assessor_code_digest"), "assessor", ["code_digest"], unique=True)
    op.create_table(
        "assessment_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("event_hash", TEXT(), nullable=False),
        sa.Column("salt", TEXT(), nullable=False),
        sa.Column("text", TEXT(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_hash"),
    )
    op.create_index(op.f("ix_assessment_comment_round_id"), "assessment_comment", ["round_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_assessment_comment_round_id"), table_name="assessment_comment")
    op.drop_table("assessment_comment")
    op.drop_index(op.f("ix_assessor_code_digest"), table_name="assessor")
    op.drop_index(op.f("ix_assessor_round_id"), table_name="assessor")
    op.drop_table("assessor")
