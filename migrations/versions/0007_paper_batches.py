"""paper batches: paper ballots entered twice, reconciled, then counted

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "paper_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("label", TEXT(), nullable=False),
        sa.Column("papers", sa.Integer(), nullable=True),
        sa.Column("status", TEXT(), nullable=False),
        sa.Column("opened_by", TEXT(), nullable=False),
        sa.Column("pass_1_staff", TEXT(), nullable=True),
        sa.Column("pass_2_staff", TEXT(), nullable=True),
        sa.Column("counted_by", TEXT(), nullable=True),
        sa.Column("counted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("event_hash", TEXT(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "label"),
    )
    op.create_index(op.f("ix_paper_batch_round_id"), "paper_batch", ["round_id"])
    op.create_table(
        "paper_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("pass_number", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code_hash", TEXT(), nullable=False),
        sa.Column("code_hint", TEXT(), nullable=False),
        sa.Column("projects_json", TEXT(), nullable=False),
        sa.Column("points_json", TEXT(), nullable=True),
        sa.Column("outcomes_json", TEXT(), nullable=False),
        sa.Column("staff", TEXT(), nullable=False),
        sa.Column("corrections", sa.Integer(), nullable=False),
        sa.Column("entered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["paper_batch.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("batch_id", "pass_number", "position"),
    )
    op.create_index(op.f("ix_paper_entry_batch_id"), "paper_entry", ["batch_id"])
    op.create_table(
        "paper_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("position_key", TEXT(), nullable=False),
        sa.Column("choice", TEXT(), nullable=False),
        sa.Column("code_hash", TEXT(), nullable=True),
        sa.Column("code_hint", TEXT(), nullable=True),
        sa.Column("projects_json", TEXT(), nullable=True),
        sa.Column("points_json", TEXT(), nullable=True),
        sa.Column("outcomes_json", TEXT(), nullable=True),
        sa.Column("staff", TEXT(), nullable=False),
        sa.Column("note", TEXT(), nullable=False),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["paper_batch.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("batch_id", "position"),
    )
    op.create_index(op.f("ix_paper_decision_batch_id"), "paper_decision", ["batch_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_paper_decision_batch_id"), table_name="paper_decision")
    op.drop_table("paper_decision")
    op.drop_index(op.f("ix_paper_entry_batch_id"), table_name="paper_entry")
    op.drop_table("paper_entry")
    op.drop_index(op.f("ix_paper_batch_round_id"), table_name="paper_batch")
    op.drop_table("paper_batch")
