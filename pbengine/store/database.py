"""Engines and schema upgrades.

`PBENGINE_DATABASE_URL` selects the database: by default a SQLite file in
the working directory (WAL mode, so readers do not block the writer);
PostgreSQL with `postgresql+psycopg://user@host/db`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event
from sqlmodel import create_engine

DEFAULT_URL = "sqlite:///pbengine.sqlite3"


def database_url() -> str:
    return os.environ.get("PBENGINE_DATABASE_URL", DEFAULT_URL)


def make_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


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
