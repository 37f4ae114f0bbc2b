"""Ballot intake with and without the event log, on SQLite and PostgreSQL: the log's cost.

    .venv/bin/python bench/ballot_intake.py [--ballots N] [--repeats R] [--clients C]
                                            [--postgres URL]

For each database, rounds are opened for voting with N voter codes each, and
N ballots are cast through the voting service, one transaction per ballot as
the API casts them: once with the real event log, once with a log that
hashes the event but writes nothing (what casting cost before the log). The
two alternate R times in the same run; the median ballots per second of each
is reported, and the ratio. The service is measured without HTTP around it,
so the ratio is the strictest one: over HTTP the same extra work is a smaller
share. Machines are noisy: read the ratios. The goal: the log costs at most 20%.

Then N ballots are cast by C threads at once (default 16), each its own
session, as concurrent requests would be: the ballots per second when the
round's lock makes them take turns, and how many were refused or failed
(there should be none).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import Engine  # noqa: E402
from sqlmodel import Session  # noqa: E402

from pbengine.core.audit.chain import Event, next_event  # noqa: E402
from pbengine.service.config import RoundConfig  # noqa: E402
from pbengine.service.errors import Principal, ServiceError  # noqa: E402
from pbengine.service.identity import principal_for  # noqa: E402
from pbengine.service.proposals import ProposalIn, ProposalService, ReviewIn  # noqa: E402
from pbengine.service.rounds import RoundService  # noqa: E402
from pbengine.service.voting import BallotIn, VoterCodesIn, VotingService  # noqa: E402
from pbengine.store.database import make_engine, upgrade  # noqa: E402
from pbengine.store.events import EventLog  # noqa: E402
from pbengine.store.tables import RoundRow, utc_now  # noqa: E402
from pbengine.store.unit_of_work import UnitOfWork  # noqa: E402

STAFF = Principal(role="council", council="Bench", staff="bench")
PROJECTS = 10


class UnloggedEvents(EventLog):
    """The baseline: the event is hashed (the receipt needs one) but never stored."""

    def append_many(
        self, row: RoundRow, entries: Iterable[tuple[str, Mapping[str, Any]]]
    ) -> list[Event]:
        at = utc_now().isoformat()
        return [next_event(0, "", kind, at, payload) for kind, payload in entries]


def open_round(engine: Engine, ballots: int) -> tuple[int, list[str], list[str]]:
    with Session(engine) as session:
        rounds, proposals = RoundService(session), ProposalService(session)
        config = RoundConfig.model_validate(
            {"title": "bench", "budget": "100000", "ballot": {"type": "approval"}}
        )
        round_id = rounds.create(STAFF, config).id
        rounds.change_phase(STAFF, round_id, "proposals")
        keys = [
            proposals.propose(
                Principal(), round_id, ProposalIn(title=f"p{i}", cost_estimate="9")
            ).id
            for i in range(PROJECTS)
        ]
        rounds.change_phase(STAFF, round_id, "review")
        for key in keys:
            proposals.review(STAFF, round_id, key, ReviewIn(decision="accept", cost="10000"))
        rounds.change_phase(STAFF, round_id, "voting")
        codes = VotingService(session).issue_codes(STAFF, round_id, VoterCodesIn(count=ballots))
    return round_id, keys, codes


def cast_all(engine: Engine, logged: bool, ballots: int) -> float:
    """Ballots per second."""
    round_id, keys, codes = open_round(engine, ballots)
    chance = random.Random(1)
    started = time.perf_counter()
    for code in codes:
        with Session(engine) as session:
            log = None if logged else UnloggedEvents(session)
            voter = principal_for(session, code)
            ballot = BallotIn(projects=chance.sample(keys, 3))
            VotingService(UnitOfWork(session, log=log)).cast(voter, round_id, ballot)
    return ballots / (time.perf_counter() - started)


def cast_at_once(engine: Engine, ballots: int, clients: int) -> tuple[float, Counter[str]]:
    """Ballots per second with `clients` threads casting at once, and the answers."""
    round_id, keys, codes = open_round(engine, ballots)

    def cast(n: int) -> str:
        ballot = BallotIn(projects=random.Random(n).sample(keys, 3))
        try:
            with Session(engine) as session:
                voter = principal_for(session, codes[n])
                return str(VotingService(session).cast(voter, round_id, ballot).status)
        except ServiceError as exc:
            return str(exc.status)
        except Exception as exc:
            # Named in the answers line rather than raised: a failure is what this measures.
            return type(exc).__name__

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        answers = Counter(pool.map(cast, range(ballots)))
    return ballots / (time.perf_counter() - started), answers


def measure(name: str, engine: Engine, ballots: int, repeats: int, clients: int) -> float:
    upgrade(engine)
    cast_all(engine, True, 20)  # warm up connections and caches
    rates: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(repeats):
        for logged in (False, True):
            rates[logged].append(cast_all(engine, logged, ballots))
    base, logged = statistics.median(rates[False]), statistics.median(rates[True])
    ratio = logged / base
    print(
        f"{name:10} without log {base:7.1f}/s   with log {logged:7.1f}/s   "
        f"ratio {ratio:.2f} ({(1 - ratio) * 100:+.0f}% slower)",
        flush=True,
    )
    if clients > 1:
        rate, answers = cast_at_once(engine, ballots, clients)
        print(f"{name:10} {clients} clients at once   {rate:7.1f}/s   answers {dict(answers)}")
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--clients", type=int, default=16, help="threads casting at once")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    ratios = []
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.sqlite3")
        ratios.append(measure("SQLite", engine, args.ballots, args.repeats, args.clients))
        engine.dispose()
    name = f"pbengine_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(args.postgres, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL     not reachable at {args.postgres}: {exc}")
    else:
        admin.execute(f'CREATE DATABASE "{name}"')
        base = args.postgres.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        try:
            engine = make_engine(f"{base}/{name}")
            ratios.append(measure("PostgreSQL", engine, args.ballots, args.repeats, args.clients))
            engine.dispose()
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()
    worst = min(ratios)
    print(f"worst: intake with the log runs at {worst:.2f} of the speed without it (goal >= 0.80)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
