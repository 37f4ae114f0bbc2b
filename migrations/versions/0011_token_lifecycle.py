"""token lifecycle: tokens expire, can be revoked, and keep their last use

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 21:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Tokens made before this migration keep working until revoked (expires_at NULL):
    # expiring them on upgrade would lock councils out of a running round.
    with op.batch_alter_table("token") as batch:
        batch.add_column(sa.Column("expires_at", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("revoked_at", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("last_used_at", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("token") as batch:
        batch.drop_column("last_used_at")
        batch.drop_column("revoked_at")
        batch.drop_column("expires_at")
