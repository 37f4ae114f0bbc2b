"""Alembic environment: runs on the connection pbengine hands it, or on PBENGINE_DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import pbengine.store.checkpoints  # registers its table too
import pbengine.store.tables  # registers the tables on SQLModel.metadata
import pbengine.store.throttle_counts  # noqa: F401  (registers its table too)
from pbengine.settings import Settings
from pbengine.store.database import make_engine

target_metadata = SQLModel.metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    with make_engine(Settings.from_env().database_url).begin() as own:
        _migrate(own)


def _migrate(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
    )
    with context.begin_transaction():
        context.run_migrations()


run()
