"""drop idempotency's round_id index: its unique (round_id, key) serves

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 20:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A batch looks up the replies kept for its Idempotency-Keys by round and key. With
    # statistics of an empty table, PostgreSQL planned that look-up by the round alone,
    # through this index, and read every reply the round had kept (the plan of a prepared
    # statement lasts until the statistics change). Without it, the unique index is the
    # only one that starts with the round; it serves look-ups by the round alone as well.
    op.drop_index("ix_idempotency_round_id", table_name="idempotency")


def downgrade() -> None:
    op.create_index("ix_idempotency_round_id", "idempotency", ["round_id"])
