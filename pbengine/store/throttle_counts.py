"""Throttle counts in the database: every worker process of a server, and every server on
one database, counts against the same limits (service/throttle.py says what is counted).

One row per counted event: a digest of the throttle and its key (a client address or a
voter's pseudonym, never kept as such) and the time in milliseconds. Checking a key reads
its few rows in the window through an index; counting is one insert. Rows older than the
longest window are deleted by whichever process counts next, at most once a minute each.

The counts go through a small engine of their own, for two reasons:
- a count is not worth a disk flush: its commits do not wait for one (SQLite in WAL mode
  with synchronous=NORMAL; PostgreSQL with synchronous_commit off). A crash may forget
  the last moment's counts, never a ballot: the ballot's own commit is as durable as before;
- a request holding one of the app's connections never waits for another of the same pool
  to count (the ballot route checks its throttle while its session is open).
"""

from __future__ import annotations

import hashlib
import math
import threading
from typing import Any

from sqlalchemy import BigInteger, Engine, Index, delete, event, insert
from sqlmodel import Field, SQLModel, col, create_engine, select

PURGE_EVERY_MS = 60_000
POOL = {"pool_size": 4, "max_overflow": 12, "pool_timeout": 20}
"""A count holds its connection for one statement: a few serve a burst of ballots."""


class ThrottleEventRow(SQLModel, table=True):
    __tablename__ = "throttle_event"
    __table_args__ = (Index("ix_throttle_event_key_at", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str
    at: int = Field(sa_type=BigInteger, index=True)


def tally_engine(engine: Engine) -> Engine:
    """An engine on `engine`'s database for counts (or `engine` itself when its database is
    in memory, which a second engine would not see)."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            return engine
        own = create_engine(url, connect_args={"check_same_thread": False, "timeout": 20.0}, **POOL)
        event.listen(own, "connect", _sqlite_unflushed)
        return own
    return create_engine(
        url,
        pool_pre_ping=True,
        connect_args={"options": "-c synchronous_commit=off"},
        **POOL,
    )


def _sqlite_unflushed(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    # The database file is in WAL mode already (store/database.py); NORMAL makes commits on
    # this connection skip the flush, which WAL keeps safe from corruption.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class DatabaseTally:
    """The events of one throttle (`name`), kept `horizon` seconds at least."""

    def __init__(self, engine: Engine, name: str, horizon: int) -> None:
        self.engine = engine
        self.name = name
        self.horizon_ms = horizon * 1000
        self._purged = -math.inf
        self._lock = threading.Lock()

    def recent(self, key: str, since: float) -> list[float]:
        query = (
            select(ThrottleEventRow.at)
            .where(col(ThrottleEventRow.key) == self._digest(key))
            .where(col(ThrottleEventRow.at) > math.floor(since * 1000))
            .order_by(col(ThrottleEventRow.at))
        )
        with self.engine.connect() as connection:
            found = connection.execute(query).scalars().all()
        return [at / 1000 for at in found]

    def add(self, key: str, at: float) -> None:
        now = round(at * 1000)
        with self.engine.begin() as connection:
            connection.execute(insert(ThrottleEventRow).values(key=self._digest(key), at=now))
            if self._purge_due(now):
                old = col(ThrottleEventRow.at) <= now - self.horizon_ms
                connection.execute(delete(ThrottleEventRow).where(old))

    def _purge_due(self, now: int) -> bool:
        with self._lock:
            if now - self._purged < PURGE_EVERY_MS:
                return False
            self._purged = now
            return True

    def _digest(self, key: str) -> str:
        return hashlib.sha256(f"{self.name}\n{key}".encode()).hexdigest()[:32]
