"""index ballot (round_id, position): a batch's next position read without a scan

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 19:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every batch of ballots reads max(position) of its round while it holds the round's
    # lock. Without this index that read scanned all of the round's ballots: 12.8 ms at
    # 100,000 ballots on PostgreSQL (EXPLAIN ANALYZE, 2026-12-05), so intake slowed as a
    # city's round filled. Not unique: rounds stored before it are not checked here.
    op.create_index("ix_ballot_round_position", "ballot", ["round_id", "position"])


def downgrade() -> None:
    op.drop_index("ix_ballot_round_position", table_name="ballot")
