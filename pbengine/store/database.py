"""Engines and schema upgrades.

`PBENGINE_DATABASE_URL` selects the database: by default a SQLite file in
the working directory (WAL mode, so readers do not block the writer);
PostgreSQL with `postgresql+psycopg://user@host/db`.

Changes to one round queue on both databases. A service that changes a round
first loads its row "for change" (`SELECT ... FOR UPDATE`): PostgreSQL locks
the row until the transaction ends. SQLite has no row locks and ignores FOR
UPDATE, so there that same statement takes the database's write lock instead
(`BEGIN IMMEDIATE`), waiting up to SQLITE_BUSY_SECONDS for it. Either way,
everything the service reads after loading the round is what the previous
change committed, and nothing commits in between. Before that point reads
take no lock on either database, so looking up the caller never blocks.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event, make_url
from sqlmodel import create_engine

DEFAULT_URL = "sqlite:///pbengine.sqlite3"

SQLITE_BUSY_SECONDS = 20.0
"""How long a SQLite change waits for the write lock before it is refused as busy.

Writers take turns (a ballot holds the lock for a few milliseconds), so a
change waits this long only when something holds the lock far longer."""

POOL_TIMEOUT_SECONDS = 20
"""How long a request waits for a free database connection."""


def database_url() -> str:
    return os.environ.get("PBENGINE_DATABASE_URL", DEFAULT_URL)


def make_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    if url.startswith("sqlite"):
        pool: dict[str, Any] = {}
        if make_url(url).database not in (None, "", ":memory:"):
            # Connections to a file are cheap, and a request never waits for one: one
            # waiting for a connection while another holds one across a thread hop
            # (the API looks up the caller and runs the handler on different threads)
            # would deadlock once every worker thread waits.
            pool = {"pool_size": 16, "max_overflow": -1}
        engine = create_engine(
            url,
            connect_args={
                "check_same_thread": False,
                "timeout": SQLITE_BUSY_SECONDS,
                # Python's sqlite3 begins a transaction just before the first write of
                # one (reads before it see the latest commit, like PostgreSQL's READ
                # COMMITTED); IMMEDIATE makes that begin wait for the write lock.
                "isolation_level": "IMMEDIATE",
            },
            **pool,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "before_cursor_execute", _sqlite_lock_for_change)
        return engine
    # The pool is larger than SQLAlchemy's default (5 + 10): a burst of ballots holds one
    # connection per request waiting on the round's lock.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=30,
        pool_timeout=POOL_TIMEOUT_SECONDS,
    )


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_lock_for_change(
    _conn: Any,
    cursor: Any,
    _statement: str,
    _parameters: Any,
    context: Any,
    _executemany: bool,
) -> None:
    """A `SELECT ... FOR UPDATE` (a round loaded for change) takes SQLite's write lock.

    Without it, two changes to one round both read the round's state (the log's
    head, the voter's earlier ballot) before either writes: the second then
    appends an event at a height already taken, or names a replaced ballot that
    is no longer the voter's latest. Taking the lock before the read makes the
    second wait for the first to commit, then read what it wrote.
    """
    compiled = getattr(context, "compiled", None)
    if getattr(getattr(compiled, "statement", None), "_for_update_arg", None) is not None:
        connection = cursor.connection
        # Already in a transaction means it has written, so it holds the lock already.
        if not connection.in_transaction:
            connection.execute("BEGIN IMMEDIATE")


def migrations_dir() -> Path:
    """The Alembic scripts: beside the package in a checkout, or where PBENGINE_MIGRATIONS says."""
    configured = os.environ.get("PBENGINE_MIGRATIONS")
    candidates = [Path(configured)] if configured else []
    candidates += [Path(__file__).resolve().parents[2] / "migrations", Path.cwd() / "migrations"]
    for candidate in candidates:
        if (candidate / "env.py").is_file():
            return candidate
    raise RuntimeError(
        "cannot find the migrations folder; set PBENGINE_MIGRATIONS to the folder holding env.py"
    )


def upgrade(engine: Engine) -> None:
    """Bring the schema to the latest revision (a no-op when it is already there)."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
