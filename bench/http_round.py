"""A whole city's round through the HTTP API: import its .pb file, then allocate it with its
declared rule, on a SQLite file and on PostgreSQL.

    .venv/bin/python bench/http_round.py [--file ../shared/pabulib/Poland_Lodz_2022.pb]
                                         [--repeat 3] [--databases sqlite,postgresql]

The app runs in this process behind Litestar's TestClient (no sockets), on a fresh
database per repeat; the times are wall-clock medians of the repeats. Printed beside
each: the time to parse the same file in-process with no database (the floor for an
import), the rule alone on the parsed election (the floor for an allocation), the
ratio of each HTTP step to its floor, and the bytes stored per byte of the file: the whole
database's, and what the import and the allocation added to the empty one (a fresh
PostgreSQL database takes some 7 MB before it holds anything).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from litestar.testing import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pbengine.api import create_app  # noqa: E402
from pbengine.core.rules import allocate  # noqa: E402
from pbengine.formats.pabulib import read_file  # noqa: E402
from pbengine.service.throttle import Limit, Throttle, Throttles  # noqa: E402
from pbengine.store.database import make_engine, upgrade  # noqa: E402
from pbengine.store.tokens import create_token  # noqa: E402

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_FILE = ROOT.parent / "shared" / "pabulib" / "Poland_Lodz_2022.pb"


@contextmanager
def database(kind: str) -> Iterator[Engine]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
            upgrade(engine)
            yield engine
            engine.dispose()
        return
    name = f"pbengine_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
        try:
            upgrade(engine)
            yield engine
        finally:
            engine.dispose()
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def stored_bytes(engine: Engine) -> int:
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            return int(
                connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
            )
        pages = connection.execute(text("PRAGMA page_count")).scalar_one()
        size = connection.execute(text("PRAGMA page_size")).scalar_one()
        connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        return int(pages) * int(size)


def once(kind: str, body: bytes) -> tuple[float, float, int, int]:
    with database(kind) as engine:
        with Session(engine) as session:
            token = create_token(session, role="council", council="Bench")
            session.commit()
        empty = stored_bytes(engine)
        staff = {"Authorization": f"Bearer {token}"}
        roomy = Throttles(proposals=Throttle(Limit(10**9, 1, "")))
        with TestClient(create_app(engine, throttles=roomy)) as client:
            started = time.perf_counter()
            made = client.post("/api/v1/rounds/import", content=body, headers=staff)
            imported = time.perf_counter() - started
            assert made.status_code == 201, made.text
            url = f"/api/v1/rounds/{made.json()['id']}"
            started = time.perf_counter()
            result = client.post(f"{url}/allocation", json={}, headers=staff)
            allocated = time.perf_counter() - started
            assert result.status_code == 200, result.text
        stored = stored_bytes(engine)
        return imported, allocated, stored, stored - empty


def median(work: Callable[[], float], repeat: int) -> float:
    return statistics.median(work() for _ in range(repeat))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    body = args.file.read_bytes()
    election = read_file(args.file)

    def parse() -> float:
        started = time.perf_counter()
        read_file(args.file)
        return time.perf_counter() - started

    def rule() -> float:
        started = time.perf_counter()
        allocate(election)
        return time.perf_counter() - started

    floor_parse, floor_rule = median(parse, args.repeat), median(rule, args.repeat)
    print(
        f"{args.file.name}: {len(body) / 1e6:.1f} MB, {len(election.projects)} projects, "
        f"{len(election.ballots):,} ballots, rule {election.rule}; {args.repeat} repeats, medians"
    )
    print(f"parse alone {floor_parse:.2f} s; the rule alone {floor_rule:.2f} s")
    columns = ("import", "÷parse", "allocate", "÷rule", "stored/file", "added/file")
    print(f"{'database':<11} " + " ".join(f"{c:>9}" for c in columns))
    for kind in args.databases.split(","):
        runs = [once(kind, body) for _ in range(args.repeat)]
        imported = statistics.median(r[0] for r in runs)
        allocated = statistics.median(r[1] for r in runs)
        stored = statistics.median(r[2] for r in runs)
        added = statistics.median(r[3] for r in runs)
        cells = (
            f"{imported:.2f} s",
            f"{imported / floor_parse:.1f}×",
            f"{allocated:.2f} s",
            f"{allocated / floor_rule:.1f}×",
            f"{stored / len(body):.1f}×",
            f"{added / len(body):.1f}×",
        )
        print(f"{kind:<11} " + " ".join(f"{c:>9}" for c in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
