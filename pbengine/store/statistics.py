"""PostgreSQL's planner statistics of the tables a round fills while it votes.

psycopg prepares a statement after its fifth use, and PostgreSQL keeps the plan it
made from the statistics of that moment until they change. Prepared in a round's
first minutes, with its tables nearly empty, the look-ups a batch of ballots makes
(its voters' ballots, the round's last position, its Idempotency-Keys' replies, its
voters' throttle counts) read the whole round for every batch as the round filled:
9.8 ms and 4.8 ms per look-up at 30,000 ballots (docs/performance.md, "As a round
fills"), until autovacuum's next pass, and for ever where autovacuum is off. So the
round's tables are analysed when its ballots reach ANALYZE_FROM and each power of two
after, the voters' codes when ANALYZE_AFTER or more are issued at once (store/ballots.py:
a round's batches look their voters up by code), and the throttle counts when a worker
has written ANALYZE_FROM of them and each power of two after (store/throttle_counts.py):
a few reads of a sample on the way to a city's round, not one per batch.

The analysis runs after the commit that made it due, on a connection of its own in
autocommit, skipping a table another session is analysing or vacuuming: it never
holds a round's lock, never waits on maintenance, and a failure costs nothing but a
line in the log. SQLite plans these look-ups well without statistics.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

logger = logging.getLogger("pbengine.statistics")

ANALYZE_FROM = 1024
"""The count (a round's ballots, a worker's throttle counts) at which a table is first
analysed; then at each power of two above it."""

ROUND_TABLES = "ballot, event, idempotency"
"""What a round's ballots fill together (one event each, one reply per Idempotency-Key)."""

_DUE = "pbengine.statistics_due"


def doubled(before: int, after: int) -> bool:
    """Has a count gone from `before` to `after` past ANALYZE_FROM or a power of two
    above it?"""
    start = ANALYZE_FROM.bit_length() - 1
    return (before >> start).bit_length() < (after >> start).bit_length()


def due_after_commit(session: Session, tables: str = ROUND_TABLES) -> None:
    """Analyse these tables (by default the round's) once this session's transaction
    commits."""
    session.info.setdefault(_DUE, set()).add(tables)


def after_commit(session: Session) -> None:
    """Run the analyses `due_after_commit` asked for, if the commit made them due."""
    due: set[str] = session.info.pop(_DUE, set())
    if due:
        bind = session.get_bind()
        engine = bind.engine if isinstance(bind, Connection) else bind
        for tables in sorted(due):
            analyse(engine, tables)


def forget(session: Session) -> None:
    """A rollback: what it wrote is gone, and the analysis it asked for with it."""
    session.info.pop(_DUE, None)


def analyse(engine: Engine, tables: str) -> None:
    """ANALYZE these tables on PostgreSQL; SQLite's planner does without."""
    if engine.dialect.name != "postgresql":
        return
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"ANALYZE (SKIP_LOCKED) {tables}")
    except SQLAlchemyError as exc:
        logger.warning("statistics of %s not refreshed: %s", tables, exc)
