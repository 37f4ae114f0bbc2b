from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from pbengine.core.election import Ballot
from pbengine.core.rules import allocate
from pbengine.formats.pabulib import read_file
from pbengine.store import ballot_statements
from pbengine.store.ballots import ANALYZE_AFTER, BallotRepository, StoredBallot
from pbengine.store.database import upgrade
from pbengine.store.repository import RoundNotFoundError, RoundRepository
from pbengine.store.tables import RoundRow
from pbengine.store.unit_of_work import UnitOfWork
from tests.conftest import FIXTURES, shared_elections


def store(engine: Engine, path: Path) -> int:
    with Session(engine) as session:
        round_id = RoundRepository(session).add(
            read_file(path), council="test", title=path.stem, phase="closed"
        )
        session.commit()
    return round_id


def test_migrations_match_the_tables(engine: Engine) -> None:
    upgrade(engine)  # a second upgrade is a no-op
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == []


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.pb")), ids=lambda p: p.name)
def test_election_comes_back_identical(engine: Engine, path: Path) -> None:
    original = read_file(path)
    round_id = store(engine, path)
    with Session(engine) as session:
        again = RoundRepository(session).election(round_id)
    assert again == original
    assert allocate(again) == allocate(original)


def test_outcome_round_trips(engine: Engine) -> None:
    path = FIXTURES / "Netherlands_Assen_2024.pb"
    round_id = store(engine, path)
    outcome = allocate(read_file(path))
    with Session(engine) as session:
        repo = RoundRepository(session)
        assert repo.latest_allocation(round_id) is None
        repo.save_outcome(round_id, outcome)
        session.commit()
    # The MES price system is not stored: it is checked when the allocation runs, and the
    # verdict is kept in the report stored beside the outcome.
    assert outcome.price_system is not None
    with Session(engine) as session:
        assert RoundRepository(session).latest_allocation(round_id) == (
            replace(outcome, price_system=None),
            {},
        )


def test_one_ballot_per_voter_is_enforced_by_the_database(engine: Engine) -> None:
    election = read_file(FIXTURES / "Netherlands_Assen_2024.pb")
    twice = replace(
        election, ballots=(*election.ballots, Ballot(election.ballots[0].voter_id, ("3",)))
    )
    with Session(engine) as session:
        before = session.exec(select(func.count()).select_from(RoundRow)).one()
        with pytest.raises(IntegrityError):
            RoundRepository(session).add(twice, council="test", title="dup", phase="closed")
        session.rollback()
        # nothing half-stored: the round row went with its ballots
        assert session.exec(select(func.count()).select_from(RoundRow)).one() == before


def test_unknown_round(engine: Engine) -> None:
    with Session(engine) as session, pytest.raises(RoundNotFoundError):
        RoundRepository(session).election(987654)


def test_wieliczka_through_the_database_funds_what_the_city_funded(engine: Engine) -> None:
    path = shared_elections() / "Poland_Wieliczka_2023_Green_Budget.pb"
    round_id = store(engine, path)
    with Session(engine) as session:
        election = RoundRepository(session).election(round_id)
    funded = {p.id for p in election.projects if p.attributes["selected"] == "1"}
    assert set(allocate(election).selected) == funded


# SQLite has no planner statistics to refresh.
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_a_large_issue_of_codes_refreshes_postgresqls_statistics(engine: Engine) -> None:
    """With an empty table's statistics PostgreSQL planned a batch's voter look-up as a
    read of every code of the round; a large issue analyses the table once it commits,
    not inside its own transaction (where the ANALYZE would hold its lock until then)."""
    with Session(engine) as session:
        work = UnitOfWork(session)
        round_id = _voting_round(session)
        work.commit()
        rows = [(f"digest-{n}", f"v-{n}") for n in range(ANALYZE_AFTER)]
        work.ballots.add_voter_codes(round_id, rows, {})
        work.session.flush()
        # The transaction sees its own codes; only an ANALYZE inside it would count them.
        assert _estimated_codes(session) != _codes(session)
        work.commit()
        assert _estimated_codes(session) == _codes(session) >= ANALYZE_AFTER


def _estimated_codes(session: Session) -> float:
    estimated = session.connection().exec_driver_sql(
        "SELECT reltuples FROM pg_class WHERE relname = 'voter_code'"
    )
    return float(estimated.scalar_one())


def _codes(session: Session) -> int:
    return int(session.connection().exec_driver_sql("SELECT count(*) FROM voter_code").scalar_one())


def _voting_round(session: Session) -> int:
    return RoundRepository(session).add(
        read_file(FIXTURES / "Poland_Katowice_2023_Zarzecze.pb"),
        council="t",
        title="t",
        phase="voting",
    )


def _prepared_plan(connection: Connection, holds: str, values: Sequence[int | str]) -> str:
    """The plan PostgreSQL now has for the statement psycopg prepared that holds `holds`,
    run with these values (the order of the statement's parameters)."""
    name = connection.exec_driver_sql(
        f"SELECT name FROM pg_prepared_statements WHERE position('{holds}' in statement) > 0"
    ).scalar_one()
    literals = ", ".join(str(v) if isinstance(v, int) else f"'{v}'" for v in values)
    rows = connection.exec_driver_sql(f"EXPLAIN EXECUTE {name}({literals})")
    return " ".join(str(row[0]) for row in rows)


def _ballots(round_id: int, first: int, count: int) -> list[StoredBallot]:
    return [
        StoredBallot(
            round_id=round_id,
            voter_key=f"v-{n}",
            position=first + n,
            projects_json="[]",
            points_json=None,
            outcomes_json=None,
            attributes_json="{}",
            channel="online",
            staff=None,
            receipt=None,
            replaced=0,
            cast_at=None,
        )
        for n in range(count)
    ]


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_a_batchs_look_ups_are_planned_again_as_the_round_fills(engine: Engine) -> None:
    """psycopg prepares a statement after its fifth use, and PostgreSQL keeps the plan it
    made from the statistics of that moment. The look-ups of a batch of ballots, prepared
    while the round held the fixture's 637 ballots and no kept replies, read every ballot
    or reply of the round once it had thousands (9.8 ms and 4.8 ms at 30,000 ballots, with
    autovacuum off as on this machine), until the round's tables were analysed after the
    commit that took its ballots past 1,024 (store/statistics.py)."""
    with Session(engine) as session:
        round_id = _voting_round(session)
        session.commit()
    keys = [f"v-{n}" for n in range(8)]
    with engine.connect() as pinned:  # psycopg's prepared statements are per connection
        uow = UnitOfWork(Session(bind=pinned))
        for _ in range(8):  # as a round's first batches do
            assert uow.ballots.ballots_of(round_id, keys) == {}
            assert uow.ballots.replies(round_id, keys) == {}
            first = uow.ballots.next_position(round_id)
        uow.ballots.put_ballots(_ballots(round_id, first, 5_000), [])
        uow.ballots.keep_replies(round_id, {f"v-{n}": ("d", 201, {}) for n in range(5_000)})
        uow.commit()
        connection = uow.session.connection()
        voters = _prepared_plan(connection, "voter_key IN", [round_id, *keys])
        replies = _prepared_plan(connection, "FROM idempotency", [round_id, *keys])
        last = _prepared_plan(connection, "max(ballot.position)", [round_id])
    # The keys narrow the index scan itself: no row of the round is read and dropped.
    for plan, column in ((voters, "voter_key"), (replies, "key")):
        assert "Filter" not in plan, plan
        assert column in plan.split("Index Cond:")[1], plan
    assert "Backward using ix_ballot_round_position" in last, last


def test_a_batchs_next_position_is_read_from_an_index(engine: Engine) -> None:
    """A batch of ballots reads its round's last position while it holds the round's lock:
    from the (round_id, position) index, not by reading every ballot of the round (12.8 ms
    per batch at 100,000 ballots on PostgreSQL before it)."""
    with Session(engine) as session:
        round_id = _voting_round(session)
        ballots = BallotRepository(session)
        first = ballots.next_position(round_id)
        ballots.put_ballots(_ballots(round_id, first, 5_000), [])
        session.commit()
        connection = session.connection()
        assert ballots.next_position(round_id) == first + 5_000
        query = ballot_statements.LAST_POSITION.params(round_id=round_id)
        text = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
        explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
        plan = " ".join(str(row) for row in connection.exec_driver_sql(explain + text))
    assert "ix_ballot_round_position" in plan, plan
