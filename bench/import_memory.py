"""The server's peak memory while it imports a large .pb file, and while it refuses one.

    .venv/bin/python bench/import_memory.py [--votes 500000] [--refused-votes 3800000]
                                            [--databases sqlite,postgresql]

Starts `pbengine serve` as a user starts it (one process), on a fresh database, and posts
a generated file in the shape of Łódź 2022's (five projects a ballot, three attribute
columns): one at the vote limit (formats/pabulib_reader.MOST_ROWS), imported, and one of
3.8 million votes, like the 48 MB file of issue 15, refused. Printed for each: the file's
size, the answer and its time, and the server's resident memory before the request and
at its peak (VmHWM), from /proc.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).with_name("pbengine")
ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def big_file(votes: int, *, short: bool = False, seed: int = 16) -> bytes:
    """`short`: one project a ballot and no attribute columns, as in issue 15's file of
    3.8 million votes in 48 MB."""
    rng = random.Random(seed)
    projects = [f"L{i:03d}" for i in range(160)]
    head = (
        "META\nkey;value\ndescription;generated\nunit;Bench\nbudget;6112868\n"
        "vote_type;approval\nrule;greedy\nmax_length;5\nPROJECTS\nproject_id;cost;name\n"
        + "".join(f"{p};{rng.randrange(10_000, 2_000_000)};Project {p}\n" for p in projects)
        + ("VOTES\nvoter_id;vote\n" if short else "VOTES\nvoter_id;vote;age;sex;voting_method\n")
    )
    lines = [head]
    if short:
        lines.extend(f"{v};{projects[v % 160]}\n" for v in range(votes))
        return "".join(lines).encode()
    for v in range(votes):
        chosen = ",".join(rng.sample(projects, rng.randint(1, 5)))
        lines.append(f"{1400000000 + v};{chosen};{rng.randint(16, 90)};F;internet\n")
    return "".join(lines).encode()


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
        return
    name = f"pbengine_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def memory(pid: int) -> tuple[int, int]:
    """Resident and peak resident memory of `pid`, in MB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]) // 1024, int(fields["VmHWM"].split()[0]) // 1024


def serve(url: str, folder: Path, port: int) -> subprocess.Popen[bytes]:
    """`pbengine serve` on `url`, once it answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PBENGINE_")}
    env |= {
        "PBENGINE_DATABASE_URL": url,
        "PBENGINE_SIGNING_KEY": str(folder / "keys.json"),
        "PBENGINE_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [str(EXE), "serve", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(900):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    os.killpg(process.pid, signal.SIGTERM)
    raise SystemExit(f"the server did not start on port {port} within 90 s")


def token(folder: Path, url: str) -> str:
    env = {**os.environ, "PBENGINE_DATABASE_URL": url}
    made = subprocess.run(
        [str(EXE), "token", "create", "--role", "council", "--council", "Bench"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return made.stdout.split()[-1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def once(kind: str, body: bytes) -> str:
    with tempfile.TemporaryDirectory() as name, database(kind, Path(name)) as url:
        folder = Path(name)
        port = free_port()
        process = serve(url, folder, port)
        try:
            secret = token(folder, url)
            before, _ = memory(process.pid)
            started = time.perf_counter()
            answer = httpx.post(
                f"http://127.0.0.1:{port}/api/v1/rounds/import",
                content=body,
                headers={"Authorization": f"Bearer {secret}"},
                timeout=600,
            )
            took = time.perf_counter() - started
            _, peak = memory(process.pid)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        return (
            f"{kind:<11} {len(body) / 1e6:6.1f} MB  HTTP {answer.status_code} in {took:5.1f} s"
            f"  RSS {before} MB before, peak {peak} MB"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=500_000)
    parser.add_argument("--refused-votes", type=int, default=3_800_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    for votes, short in ((args.votes, False), (args.refused_votes, True)):
        if not votes:
            continue
        body = big_file(votes, short=short)
        print(f"{votes:,} votes:")
        for kind in args.databases.split(","):
            print("  " + once(kind, body), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
