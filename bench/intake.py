"""Ballot intake through HTTP against `pbengine serve`: ballots per second and latency.

    .venv/bin/python bench/intake.py [--ballots N] [--clients 1,16,32,64] [--workers 1,2]
                                     [--databases sqlite,postgresql] [--before REV]

For each database (a SQLite file in a temporary folder; a fresh database on
the PostgreSQL server PBENGINE_TEST_POSTGRES names, by default the one on
127.0.0.1:5432) and each worker count, `pbengine serve --workers W` is
started as users start it. For each client count C, a round is opened for
voting over HTTP and N distinct voters cast one approval ballot each (two
projects): C clients at once, each an asyncio task with one keep-alive
HTTP/1.1 connection (a minimal client written here, see `_Connection`),
sending its next ballot as soon as the last is answered (closed loop, no think
time). The clients run in this one process, on the same machine as the
server: on a 2-core machine they take CPU from it, so the figures are what
this machine does with its own load generator.

Printed per cell: ballots per second (N over the wall time of the N), p50,
p95 and p99 latency of the answers, and the errors: answers that are not 201
(by status) and requests with no answer (connection closed, or none within
60 s); then how many ballots the round counts afterwards (the 201s, plus any
stored whose answer was lost: a client would retry those with their
Idempotency-Key, tests/integration/test_crash.py); the CPU time the server's
processes spent per ballot (which the machine's other load changes less than
it changes ballots per second; the database server's and the clients' CPU are
not in it). Then the ballots per second against one worker on the same
database and client count, measured in the same run. 20 ballots are cast
before each cell's timer, so that connections and worker caches are warm.

With `--before REV`, every cell is measured a second time, in the same run and
on a fresh database, against the server of that commit (its `pbengine/`,
first on the server's PYTHONPATH, and its migrations), and the last column gives this code's
ballots per second over that commit's.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import subprocess
import sys
import tarfile
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
NOW = "now"
TIMEOUT = 60.0


@dataclass
class Cell:
    code: str
    """"now", or the commit measured as the baseline."""
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
    server_cpu: float
    """CPU seconds the server's processes (all its workers) spent on the cell's ballots."""

    @property
    def rate(self) -> float:
        return self.ballots / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))] * 1000


class _Connection:
    """One keep-alive HTTP/1.1 connection, written by hand: httpx's pool spends more CPU per
    request than the server does once there are dozens of connections (64 clients asking
    GET /health got 184 answers/s through it and 1,980/s through this, on this machine), and
    the clients share the server's two cores."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, path: str, body: bytes, code: str) -> int:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer {code}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        try:
            await writer.drain()
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
            lines = head.decode("latin-1").split("\r\n")
            fields = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
            await reader.readexactly(int(fields.get("content-length", "0")))
        except (TimeoutError, OSError, asyncio.IncompleteReadError):
            self.close()
            raise
        if fields.get("connection") == "close":
            self.close()
        return int(lines[0].split()[1])

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def _cast(
    base: str, url: str, jobs: list[tuple[dict[str, Any], str]], clients: int
) -> tuple[float, list[float], Counter[str]]:
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    pending = iter(jobs)
    address = httpx.URL(base)
    host, port = address.host, address.port
    assert port is not None

    async def caller() -> None:
        connection = _Connection(host, port)
        for body, code in pending:
            started = time.perf_counter()
            try:
                status = await connection.post(url, json.dumps(body).encode(), code)
            except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
                errors[f"{type(exc).__name__} ({exc})"] += 1
                continue
            latencies.append(time.perf_counter() - started)
            if status != 201:
                errors[str(status)] += 1
        connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(clients)))
    return time.perf_counter() - started, latencies, errors


def measure(served: Served, code: str, database: str, clients: int, ballots: int) -> Cell:
    engine = make_engine(served.database_url)
    try:
        r = VotingRound(served.base, engine, council=f"Bench {clients} {time.time_ns()}")
    finally:
        engine.dispose()
    codes = r.codes(WARM_UP + ballots)
    jobs = [(r.ballot(i), code) for i, code in enumerate(codes)]
    url = f"{r.url}/ballots"
    asyncio.run(_cast(served.base, url, jobs[:WARM_UP], min(clients, WARM_UP)))
    assert served.process is not None
    cpu = server_cpu(served.process.pid)
    seconds, latencies, errors = asyncio.run(_cast(served.base, url, jobs[WARM_UP:], clients))
    cpu = server_cpu(served.process.pid) - cpu
    stored = r.counted() - WARM_UP
    return Cell(
        code, database, served.workers, clients, ballots, seconds, latencies, errors, stored, cpu
    )


def server_cpu(pid: int) -> float:
    """CPU seconds (user and system) used so far by the process `pid` and its children that
    are still running (a server's workers): a figure other load on the machine changes less
    than it changes ballots per second."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        # After the name: state, ppid, ... utime (the 12th), stime (the 13th).
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def run(code: str, database: str, url: str, folder: Path, args: argparse.Namespace) -> list[Cell]:
    cells = []
    before = folder / "before"
    # That commit's code, and its migrations: today's may import modules it does not have.
    env = (
        {}
        if code == NOW
        else {"PYTHONPATH": str(before), "PBENGINE_MIGRATIONS": str(before / "migrations")}
    )
    for workers in args.workers:
        served = Served(url, folder, workers, env)
        served.start()
        try:
            for clients in args.clients:
                cell = measure(served, code, database, clients, args.ballots)
                print(
                    f"  {code}: {database}, {workers} worker(s), {clients} clients: "
                    f"{cell.rate:.0f}/s"
                )
                cells.append(cell)
        finally:
            served.stop()
    return cells


def table(cells: list[Cell]) -> str:
    one = {(c.code, c.database, c.clients): c.rate for c in cells if c.workers == 1}
    before = {(c.database, c.workers, c.clients): c.rate for c in cells if c.code != NOW}
    lines = [
        "| code | database | workers | clients | ballots | ballots/s | p50 ms | p95 ms "
        "| p99 ms | errors | stored | server CPU ms per ballot | vs 1 worker | vs before |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: "
        "| ---: |",
    ]
    for c in cells:
        errors = ", ".join(f"{n}× {kind}" for kind, n in sorted(c.errors.items())) or "0"
        workers = one.get((c.code, c.database, c.clients))
        earlier = before.get((c.database, c.workers, c.clients)) if c.code == NOW else None
        lines.append(
            f"| {c.code} | {c.database} | {c.workers} | {c.clients} | {c.ballots} "
            f"| {c.rate:.0f} | {c.percentile(0.50):.0f} | {c.percentile(0.95):.0f} "
            f"| {c.percentile(0.99):.0f} | {errors} | {c.stored} "
            f"| {1000 * c.server_cpu / c.ballots:.2f} "
            f"| {_ratio(c.rate, workers)} | {_ratio(c.rate, earlier)} |"
        )
    return "\n".join(lines)


def _ratio(rate: float, baseline: float | None) -> str:
    return "" if baseline is None else f"{rate / baseline:.2f}×"


def extract(rev: str, into: Path) -> None:
    """That commit's `pbengine/` (for a server started with it first on its PYTHONPATH) and
    its `migrations/`."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", rev, "pbengine", "migrations"],
        check=True,
        capture_output=True,
        cwd=ROOT,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=600, help="per cell (default 600)")
    numbers = lambda text: [int(n) for n in text.split(",")]  # noqa: E731
    parser.add_argument("--clients", type=numbers, default=[1, 16, 32, 64])
    parser.add_argument("--workers", type=numbers, default=[1, 2])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--before", metavar="REV", help="also measure this commit's server")
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
        codes = [NOW]
        if args.before:
            extract(args.before, folder / "before")
            codes.append(args.before)
        for database in args.databases.split(","):
            for code in codes:
                if database == "sqlite":
                    url = f"sqlite:///{folder / f'bench-{code}.sqlite3'}"
                    cells += run(code, database, url, folder, args)
                else:
                    with throwaway_postgres("pbengine_bench") as url:
                        cells += run(code, database, url, folder, args)
    print()
    print(table(cells))


if __name__ == "__main__":
    main()
