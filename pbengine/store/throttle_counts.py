"""Throttle counts in the database: every worker process of a server, and every server on
one database, counts against the same limits (service/throttle.py says what is counted).

One row per counted event: a digest of the throttle and its key (a client address or a
voter's pseudonym, never kept as such) and the time in milliseconds. Checking a key reads
its few rows in the window through an index. Counting is off the request's path: a
thread of each process writes its counts every few milliseconds in one insert (another
process sees them at most about FLUSH_SECONDS late). Each row names the process that
wrote it (`source`): a process reads only the others' counts, and keeps its own in memory
(service/throttle.py), so none is missed while being written, nor counted twice. Rows
older than the longest window are deleted at most once a minute by each process.

The ballot route checks two throttles and counts one on every ballot, so the counts are
kept cheap (`CountStore`; the figures and how they were measured: docs/security.md):
- plain statements on a pooled driver connection in autocommit: through SQLAlchemy's
  Core, checking out, resetting and returning a connection cost a ballot about 0.3 ms a
  statement on this machine, and halved the ballots per second;
- a count is not worth a disk flush: its commits do not wait for one (SQLite in WAL mode
  with synchronous=NORMAL; PostgreSQL with synchronous_commit off). A crash may forget
  the last moment's counts, never a ballot, whose own commit is as durable as before;
- a pool of its own: a request holding one of the app's connections never waits for
  another of the same pool to count (the ballot route checks while its session is open);
- SQLite has one write lock per file, which ballots take in turns: a SQLite database's
  counts are kept in a file of their own beside it (`<file>.throttles`), shared by every
  worker on that machine, so that a count never waits for a ballot nor a ballot for a
  count. The table the migration makes in the database itself is PostgreSQL's (and an
  in-memory database's). One thread per process writes, so a process's counts never meet
  in SQLite's busy handler, which sleeps whole milliseconds. The file holds nothing else:
  it may be deleted while the server is stopped.
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
import threading
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, Engine, Index, Table, event
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlmodel import Field, SQLModel, create_engine

from pbengine.store.statistics import analyse, doubled

logger = logging.getLogger("pbengine.throttle")

PURGE_EVERY_MS = 60_000
FLUSH_SECONDS = 0.02
CLOSE_WAIT_SECONDS = 10.0
"""How long closing waits for the writer's last step (a purge or an ANALYZE) to end."""
MOST_UNWRITTEN = 100_000
"""Counts kept while the database does not answer; past this the oldest are dropped."""
POOL = {"pool_size": 2, "max_overflow": 6, "pool_timeout": 20, "pool_reset_on_return": None}
"""A check holds its connection for one statement: a few serve a burst of ballots, and a
worker's connections to PostgreSQL stay within its budget (README: 40 for the app, 8 here).
Nothing is left to roll back when one is returned (autocommit)."""


class ThrottleEventRow(SQLModel, table=True):
    __tablename__ = "throttle_event"
    __table_args__ = (Index("ix_throttle_event_key_at", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str
    at: int = Field(sa_type=BigInteger, index=True)
    source: str


TABLE: Table = ThrottleEventRow.__table__  # type: ignore[attr-defined]


@dataclass(eq=False)
class CountStore:
    """Where a server's throttles keep their counts, and the statements that keep them."""

    engine: Engine
    own: bool
    """The engine is this store's (and closes with it), not the app's."""
    horizon_ms: int = 600_000
    """Counts older than this are deleted."""
    source: str = field(default_factory=lambda: secrets.token_hex(8))
    """This process's name in the rows it writes."""
    _unwritten: list[tuple[str, int, str]] = field(default_factory=list)
    """Counts waiting for the writer, (digest, milliseconds, source)."""
    _in_flight: int = 0
    """Counts the writer has taken and not yet committed."""
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _closed: threading.Event = field(default_factory=threading.Event)
    _writer: threading.Thread = field(init=False)

    def __post_init__(self) -> None:
        self._writer = threading.Thread(target=self._write, name="throttle counts", daemon=True)
        self._writer.start()

    @classmethod
    def beside(cls, engine: Engine, horizon: int) -> CountStore:
        """The counts for `engine`'s database (see the module's docstring for where)."""
        url = engine.url
        if url.get_backend_name() != "sqlite":
            counts = create_engine(
                url, connect_args={"options": "-c synchronous_commit=off"}, **POOL
            )
            event.listen(counts, "connect", _autocommit)
            return cls(counts, own=True, horizon_ms=horizon * 1000)
        if url.database in (None, "", ":memory:"):
            # A second engine would open another, empty database: the app's own it is.
            return cls(engine, own=False, horizon_ms=horizon * 1000)
        beside = url.set(database=f"{url.database}.throttles")
        counts = create_engine(
            beside, connect_args={"check_same_thread": False, "timeout": 20.0}, **POOL
        )
        event.listen(counts, "connect", _sqlite_unflushed)
        with counts.begin() as connection:
            # Every worker makes it at start; IF NOT EXISTS lets them race.
            connection.execute(CreateTable(TABLE, if_not_exists=True))
            for index in TABLE.indexes:
                connection.execute(CreateIndex(index, if_not_exists=True))
        return cls(counts, own=True, horizon_ms=horizon * 1000)

    def run(self, sql: str, parameters: Sequence[Any]) -> list[Any]:
        """One statement (`?` marks its parameters), committed; the rows it returns."""
        return self._execute(sql, [tuple(parameters)])

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """One statement for each of `rows`, committed together."""
        self._execute(sql, [tuple(row) for row in rows])

    def _execute(self, sql: str, parameters: list[tuple[Any, ...]]) -> list[Any]:
        if self.engine.dialect.paramstyle != "qmark":
            sql = sql.replace("?", "%s")
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            if len(parameters) == 1:
                cursor.execute(sql, parameters[0])
            else:
                cursor.executemany(sql, parameters)
            rows = list(cursor.fetchall()) if cursor.description else []
            cursor.close()
            connection.commit()
            return rows
        except self.engine.dialect.loaded_dbapi.Error as exc:
            # Not reused: it may be a connection the database has dropped. The app answers
            # an OperationalError 503, as for any statement of its own.
            connection.invalidate()
            raise OperationalError(sql, parameters, exc) from exc
        finally:
            connection.close()

    def add(self, digest: str, at: int) -> None:
        """A count, written within FLUSH_SECONDS."""
        with self._changed:
            self._unwritten.append((digest, at, self.source))
            del self._unwritten[:-MOST_UNWRITTEN]
            self._changed.notify()

    def _write(self) -> None:
        purged = -math.inf
        written = 0
        while not self._closed.is_set():
            with self._changed:
                self._changed.wait_for(lambda: bool(self._unwritten) or self._closed.is_set())
                batch, self._unwritten = self._unwritten, []
                self._in_flight = len(batch)
            if not batch:
                continue
            try:
                self.run_many(ADD, batch)
            except SQLAlchemyError as exc:  # the database, or a pool with no connection free
                logger.warning("throttle counts not written yet: %s", getattr(exc, "orig", exc))
                with self._changed:
                    self._unwritten[:0] = batch
                    del self._unwritten[:-MOST_UNWRITTEN]
                    self._in_flight = 0
                self._closed.wait(1.0)
                continue
            with self._changed:
                self._in_flight = 0
            # Upkeep once the counts are stored: its failure must not store them again.
            before, written = written, written + len(batch)
            if doubled(before, written):
                # A batch's read of its voters' counts is planned from these (statistics.py).
                analyse(self.engine, "throttle_event")
            newest = max(at for _, at, _ in batch)
            if newest - purged >= PURGE_EVERY_MS:
                try:
                    self.run(PURGE, (newest - self.horizon_ms,))
                    purged = newest
                except SQLAlchemyError as exc:
                    logger.warning("old throttle counts not deleted yet: %s", exc)
            # Counts that come together are written together.
            self._closed.wait(FLUSH_SECONDS)

    def flush(self, seconds: float = 5.0) -> bool:
        """Wait until the counts made so far are written (at most `seconds`); whether they
        are."""
        deadline = time.monotonic() + seconds
        while (self._unwritten or self._in_flight) and time.monotonic() < deadline:
            time.sleep(FLUSH_SECONDS)
        return not (self._unwritten or self._in_flight)

    def close(self) -> None:
        """Write what is left, and close the connections."""
        self.flush()
        with self._changed:
            self._closed.set()
            self._changed.notify_all()
        # The writer's upkeep (the purge, an ANALYZE) comes after the counts are written,
        # so flush() can return while it holds a connection: a pool disposed meanwhile would
        # get that connection back and drop it unclosed (psycopg's ResourceWarning).
        self._writer.join(timeout=CLOSE_WAIT_SECONDS)
        if self.own:
            self.engine.dispose()


def _autocommit(connection: Any, _record: Any) -> None:
    connection.autocommit = True


def _sqlite_unflushed(connection: Any, _record: Any) -> None:
    connection.isolation_level = None  # autocommit
    cursor = connection.cursor()
    # WAL keeps a commit that skips the flush (NORMAL) safe from corruption.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


RECENT_MANY = (
    'SELECT "key", at FROM throttle_event WHERE "key" IN ({marks}) AND at > ? AND source <> ? '
    "ORDER BY at"
)
ADD = 'INSERT INTO throttle_event ("key", at, source) VALUES (?, ?, ?)'
PURGE = "DELETE FROM throttle_event WHERE at <= ?"


class DatabaseTally:
    """The events of one throttle (`name`) in `store`: those of other processes are read
    back; this process keeps its own (service/throttle.py)."""

    def __init__(self, store: CountStore, name: str) -> None:
        self.store = store
        self.name = name

    def recent_many(self, keys: Collection[str], since: float) -> dict[str, list[float]]:
        """Other processes' events of each key after `since`, oldest first, in one
        statement."""
        if not keys:
            return {}
        by_digest = {self._digest(key): key for key in keys}
        marks = ", ".join("?" * len(by_digest))
        sql = RECENT_MANY.format(marks=marks)
        rows = self.store.run(sql, (*by_digest, math.floor(since * 1000), self.store.source))
        found: dict[str, list[float]] = {key: [] for key in keys}
        for digest, at in rows:
            found[by_digest[digest]].append(at / 1000)
        return found

    def add(self, key: str, at: float) -> None:
        self.store.add(self._digest(key), round(at * 1000))

    def _digest(self, key: str) -> str:
        return hashlib.sha256(f"{self.name}\n{key}".encode()).hexdigest()[:32]
