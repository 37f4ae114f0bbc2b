"""drop the round_id indexes of voter_code and ballot: their unique (round_id, voter_key) serves

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 08:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Each ballot wrote one index more than it needed, and, while a round's statistics
    # were still those of an empty table, PostgreSQL planned a batch's look-up of its
    # voters by the round alone: every voter code of the round read for every batch.
    # The unique (round_id, voter_key) index starts with round_id, so it serves both.
    op.drop_index("ix_voter_code_round_id", table_name="voter_code")
    op.drop_index("ix_ballot_round_id", table_name="ballot")


def downgrade() -> None:
    op.create_index("ix_ballot_round_id", "ballot", ["round_id"])
    op.create_index("ix_voter_code_round_id", "voter_code", ["round_id"])
