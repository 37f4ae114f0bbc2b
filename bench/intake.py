"""Ballot intake through HTTP against `pbengine serve`: ballots per second and latency.

    .venv/bin/python bench/intake.py [--ballots N] [--clients 1,16,64] [--workers 1,2]
                                     [--databases sqlite,postgresql]

For each database (a SQLite file in a temporary folder; a fresh database on
the PostgreSQL server PBENGINE_TEST_POSTGRES names, by default the one on
127.0.0.1:5432) and each worker count, `pbengine serve --workers W` is
started as users start it. For each client count C, a round is opened for
voting over HTTP and N distinct voters cast one approval ballot each (two
projects): C clients at once, each an asyncio task with one keep-alive
connection, sending its next ballot as soon as the last is answered (closed
loop, no think time). The clients run in this one process, on the same
machine as the server: on a 2-core machine they take CPU from it, so the
figures are what this machine does with its own load generator.

Printed per cell: ballots per second (N over the wall time of the N), p50,
p95 and p99 latency of the answers, and the errors: answers that are not 201
(by status) and requests with no answer (connection closed, or none within
60 s); then how many ballots the round counts afterwards (the 201s, plus any
stored whose answer was lost: a client would retry those with their
Idempotency-Key, tests/integration/test_crash.py). The last column is the
ballots per second against one worker on the same database and client count,
measured in the same run. 20 ballots are cast before each cell's timer, so
that connections and worker caches are warm.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from pbengine.store.database import make_engine  # noqa: E402
from pbengine.store.signing_keys import load_or_create  # noqa: E402

# The test suite's server runner: the same `pbengine serve` start, the same round set-up.
from tests.conftest import throwaway_postgres  # noqa: E402
from tests.integration.served import Served, VotingRound  # noqa: E402

WARM_UP = 20
TIMEOUT = 60.0


@dataclass
class Cell:
    database: str
    workers: int
    clients: int
    ballots: int
    seconds: float
    latencies: list[float]
    errors: Counter[str]
    stored: int
    """Ballots the round counts after the cell, less the warm-up: 201s plus any ballot stored
    whose answer was lost."""

    @property
    def rate(self) -> float:
        return self.ballots / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))] * 1000


async def _cast(
    base: str, url: str, jobs: list[tuple[dict[str, Any], str]], clients: int
) -> tuple[float, list[float], Counter[str]]:
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    pending = iter(jobs)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT, limits=limits) as client:

        async def caller() -> None:
            for body, code in pending:
                started = time.perf_counter()
                try:
                    answer = await client.post(
                        url, json=body, headers={"Authorization": f"Bearer {code}"}
                    )
                except httpx.HTTPError as exc:
                    errors[f"{type(exc).__name__} ({exc})"] += 1
                    continue
                latencies.append(time.perf_counter() - started)
                if answer.status_code != 201:
                    errors[str(answer.status_code)] += 1

        started = time.perf_counter()
        await asyncio.gather(*(caller() for _ in range(clients)))
        return time.perf_counter() - started, latencies, errors


def measure(served: Served, database: str, clients: int, ballots: int) -> Cell:
    engine = make_engine(served.database_url)
    try:
        r = VotingRound(served.base, engine, council=f"Bench {clients} {time.time_ns()}")
    finally:
        engine.dispose()
    codes = r.codes(WARM_UP + ballots)
    jobs = [(r.ballot(i), code) for i, code in enumerate(codes)]
    url = f"{r.url}/ballots"
    asyncio.run(_cast(served.base, url, jobs[:WARM_UP], min(clients, WARM_UP)))
    seconds, latencies, errors = asyncio.run(_cast(served.base, url, jobs[WARM_UP:], clients))
    stored = r.counted() - WARM_UP
    return Cell(database, served.workers, clients, ballots, seconds, latencies, errors, stored)


def run(database: str, url: str, folder: Path, args: argparse.Namespace) -> list[Cell]:
    cells = []
    for workers in args.workers:
        served = Served(url, folder, workers)
        served.start()
        try:
            for clients in args.clients:
                cell = measure(served, database, clients, args.ballots)
                print(f"  {database}, {workers} worker(s), {clients} clients: {cell.rate:.0f}/s")
                cells.append(cell)
        finally:
            served.stop()
    return cells


def table(cells: list[Cell]) -> str:
    base = {(c.database, c.clients): c.rate for c in cells if c.workers == 1}
    lines = [
        "| database | workers | clients | ballots | ballots/s | p50 ms | p95 ms | p99 ms "
        "| errors | stored | vs 1 worker |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for c in cells:
        errors = ", ".join(f"{n}× {kind}" for kind, n in sorted(c.errors.items())) or "0"
        ratio = base.get((c.database, c.clients))
        lines.append(
            f"| {c.database} | {c.workers} | {c.clients} | {c.ballots} | {c.rate:.0f} "
            f"| {c.percentile(0.50):.0f} | {c.percentile(0.95):.0f} | {c.percentile(0.99):.0f} "
            f"| {errors} | {c.stored} | {'' if ratio is None else f'{c.rate / ratio:.2f}×'} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=600, help="per cell (default 600)")
    numbers = lambda text: [int(n) for n in text.split(",")]  # noqa: E731
    parser.add_argument("--clients", type=numbers, default=[1, 16, 64])
    parser.add_argument("--workers", type=numbers, default=[1, 2])
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, load average {load} "
        f"before the run, {args.ballots} ballots per cell"
    )
    cells: list[Cell] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        keys = folder / "signing-keys.json"
        load_or_create(keys)
        os.environ["PBENGINE_SIGNING_KEY"] = str(keys)
        for database in args.databases.split(","):
            if database == "sqlite":
                cells += run(database, f"sqlite:///{folder / 'bench.sqlite3'}", folder, args)
            else:
                with throwaway_postgres("pbengine_bench") as url:
                    cells += run(database, url, folder, args)
    print()
    print(table(cells))


if __name__ == "__main__":
    main()
