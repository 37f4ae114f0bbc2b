"""Engines and schema upgrades.

The URL comes from the settings (`PBENGINE_DATABASE_URL`): by default a
SQLite file in the user's data folder (pbengine/settings.py; WAL mode, so readers do not block the
writer); PostgreSQL with `postgresql+psycopg://user@host/db`.

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

from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, event, make_url
from sqlmodel import create_engine

SQLITE_BUSY_SECONDS = 20.0
"""How long a SQLite change waits for the write lock before it is refused as busy.

Writers take turns (a ballot holds the lock for a few milliseconds), so a
change waits this long only when something holds the lock far longer."""

POOL_TIMEOUT_SECONDS = 20
"""How long a request waits for a free database connection."""


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        pool: dict[str, Any] = {}
        database = make_url(url).database
        if database not in (None, "", ":memory:"):
            # The default file sits in the user's data folder, which may not exist yet.
            Path(database).parent.mkdir(parents=True, exist_ok=True)
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
    # The pool is larger than SQLAlchemy's default (5 + 10): a burst of requests holds
    # a connection each (api/serving.py runs 64 at once), and a connection opened beyond
    # the pool's size is closed when returned: at pool_size 10, a burst of ballots spent
    # its time opening connections (bench/intake.py). 40 at most per process, as before.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=32,
        max_overflow=8,
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


def describe(url: str) -> str:
    """The database as a person needs to see it: no password, and where a SQLite file really is."""
    parsed = make_url(url)
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        where = Path(parsed.database).resolve()
        if str(where) != parsed.database:
            return f"{shown} ({where})"
    return shown


def packaged_migrations() -> Path:
    """The Alembic scripts shipped inside the package (the top-level migrations/ folder)."""
    folder = resources.files("pbengine.store.migrations")
    # Alembic reads its scripts from a real folder; pip always installs one.
    if not isinstance(folder, Path) or not (folder / "env.py").is_file():
        raise RuntimeError(
            "the installed package holds no migrations; set PBENGINE_MIGRATIONS to the folder "
            "holding env.py"
        )
    return folder


def _config(migrations: Path | None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations or packaged_migrations()))
    return config


def latest_revision(migrations: Path | None = None) -> str:
    """The revision this code's migrations end at: what a ready database is at."""
    head = ScriptDirectory.from_config(_config(migrations)).get_current_head()
    assert head is not None, "the migrations folder holds no revision"
    return head


def database_revision(connection: Connection) -> str | None:
    """The revision the database says it is at (None: never migrated)."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, migrations: Path | None = None) -> None:
    """Bring the schema to the latest revision (a no-op when it is already there)."""
    config = _config(migrations)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
