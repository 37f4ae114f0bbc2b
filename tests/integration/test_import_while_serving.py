"""A large import on `pbengine serve`, as users start it: other requests go on answering,
and the server's memory stays bounded (issue 15, "Huge imports").

The file is generated: 300,000 ballots in the shape of Łódź 2022's (one to five of 160
projects, three attribute columns), 12 MB. Before the import was read as a stream and
stored in batches, a file of 500,000 such ballots took the server to 2 GB
(bench/import_memory.py).
"""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import Engine

from tests.conftest import FIXTURES
from tests.integration.http import bearer
from tests.integration.served import serving

VOTES = 300_000
PROMPT = 2.0
"""Seconds within which a request must answer while the import runs: generous on a
machine of two cores shared with other work (they took 0.2 s at most here). Before, an
import's transaction wrote a row and an event per ballot, each encoded in it, and on
SQLite a change waited for all of that (a file of 500,000 ballots took 36 s to import)."""
PEAK_MB = 600


def generated(votes: int) -> bytes:
    rng = random.Random(15)
    projects = [f"L{i:03d}" for i in range(160)]
    lines = [
        "META\nkey;value\ndescription;generated\nunit;Busy\nbudget;6112868\nvote_type;approval\n"
        "rule;greedy\nPROJECTS\nproject_id;cost;name\n",
        *(f"{p};{rng.randrange(10_000, 2_000_000)};Project {p}\n" for p in projects),
        "VOTES\nvoter_id;vote;age;sex;voting_method\n",
        *(
            f"{v};{','.join(rng.sample(projects, rng.randint(1, 5)))};{rng.randint(16, 90)};F;"
            "internet\n"
            for v in range(votes)
        ),
    ]
    return "".join(lines).encode()


def peak_mb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) // 1024


def test_other_requests_answer_while_a_large_import_runs(engine: Engine, tmp_path: Path) -> None:
    body = generated(VOTES)
    staff = bearer(engine, "council", "Busy")
    url = engine.url.render_as_string(hide_password=False)
    with serving(url, tmp_path) as served, httpx.Client(base_url=served.base, timeout=60) as http:
        assert served.process is not None
        other = http.post(
            "/api/v1/rounds/import",
            content=(FIXTURES / "Netherlands_Assen_2024.pb").read_bytes(),
            headers=staff,
        )
        assert other.status_code == 201, other.text
        other_url = f"/api/v1/rounds/{other.json()['id']}"
        answer: dict[str, httpx.Response] = {}

        def big_import() -> None:
            with httpx.Client(base_url=served.base, timeout=300) as own:
                answer["import"] = own.post("/api/v1/rounds/import", content=body, headers=staff)

        importing = threading.Thread(target=big_import)
        importing.start()
        waits: list[tuple[str, float]] = []
        created = None
        while importing.is_alive():
            for path in ("/health", other_url):
                started = time.perf_counter()
                assert http.get(path).status_code == 200
                waits.append((path, time.perf_counter() - started))
            if created is None and len(waits) >= 4:
                # A change to the database too: the import's transaction only writes, briefly.
                started = time.perf_counter()
                created = http.post(
                    "/api/v1/rounds", json={"title": "t", "budget": "9"}, headers=staff
                )
                waits.append(("create a round", time.perf_counter() - started))
            time.sleep(0.05)
        importing.join()
        made = answer["import"]
        assert made.status_code == 201, made.text
        assert created is not None
        assert created.status_code == 201, created.text
        # The requests were answered while the import ran, each promptly.
        assert len(waits) >= 10, waits
        slowest = max(waits, key=lambda w: w[1])
        assert slowest[1] < PROMPT, slowest
        count = http.get(f"/api/v1/rounds/{made.json()['id']}/ballots/count").json()
        assert count["ballots"] == VOTES
        assert count["by_channel"] == {"import": VOTES}
        assert peak_mb(served.process.pid) < PEAK_MB
