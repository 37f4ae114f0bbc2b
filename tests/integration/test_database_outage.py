"""PostgreSQL goes away in the middle of a busy evening, then comes back.

Between the server and the database runs a TCP proxy (tests/integration/proxy.py) that
the test cuts: every open connection dies and new ones are refused, as in a database
crash or a network split. While it is cut, ballots are answered 503 with Retry-After
(never a bare 500), /ready says 503, /health stays 200; once it is back the same
server, never restarted, takes ballots again. Clients retry a 503 with the same
Idempotency-Key, as docs/voting.md asks: every acknowledged ballot is in the record
exactly once, and the record replays.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager

import httpx
import pytest
from sqlalchemy import Engine, make_url

from pbengine.api import create_app
from pbengine.service.replay import replay
from pbengine.store.database import make_engine, upgrade
from tests.integration.http import as_voter
from tests.integration.in_thread import serve_app
from tests.integration.proxy import Proxy
from tests.integration.test_concurrency import LiveRound

VOTERS = 120
CLIENTS = 8


def serving(engine: Engine) -> AbstractContextManager[str]:
    return serve_app(create_app(engine))


@pytest.fixture
def proxied(postgres_url: str) -> Iterator[tuple[Proxy, Engine]]:
    url = make_url(postgres_url)
    proxy = Proxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    engine = make_engine(url.set(port=proxy.port).render_as_string(hide_password=False))
    upgrade(engine)
    try:
        yield proxy, engine
    finally:
        proxy.stop()
        engine.dispose()


class Voter:
    """One resident who keeps trying until their ballot is acknowledged (or gives up)."""

    def __init__(self, base: str, url: str, code: str, project: str) -> None:
        self.base, self.url, self.code, self.project = base, url, code, project
        self.statuses: list[int] = []
        self.tracker: str | None = None

    def vote(self) -> None:
        headers = {**as_voter(self.code), "Idempotency-Key": f"k-{self.code}"}
        with httpx.Client(base_url=self.base, timeout=15) as client:
            for _ in range(200):
                try:
                    response = client.post(
                        f"{self.url}/ballots", json={"projects": [self.project]}, headers=headers
                    )
                except httpx.HTTPError:
                    self.statuses.append(0)
                    time.sleep(0.1)
                    continue
                self.statuses.append(response.status_code)
                if response.status_code in (200, 201):
                    self.tracker = response.json()["tracker"]
                    return
                assert response.status_code == 503, response.text
                assert response.json()["problem"]
                assert int(response.headers["Retry-After"]) > 0
                time.sleep(0.1)  # shorter than Retry-After: the test has no evening to spare


def test_a_database_outage_is_503_then_the_server_recovers_by_itself(
    proxied: tuple[Proxy, Engine],
) -> None:
    proxy, through_proxy = proxied
    with serving(through_proxy) as base:
        live = LiveRound(base, through_proxy, VOTERS)
        voters = [
            Voter(base, live.url, code, live.projects[n % len(live.projects)])
            for n, code in enumerate(live.codes)
        ]
        with ThreadPoolExecutor(CLIENTS) as pool:
            running = [pool.submit(v.vote) for v in voters]
            # Cut mid-load: after some ballots are in, with most still to come.
            deadline = time.monotonic() + 30
            while sum(v.tracker is not None for v in voters) < VOTERS // 6:
                assert time.monotonic() < deadline, "the ballots before the outage never came"
                time.sleep(0.01)
            proxy.stop()
            time.sleep(0.5)
            with httpx.Client(base_url=base, timeout=15) as client:
                assert client.get("/health").status_code == 200
                ready = client.get("/ready")
                assert ready.status_code == 503, ready.text
                assert "Retry-After" in ready.headers
            time.sleep(1.0)
            proxy.start()
            for future in running:
                future.result()
        statuses = [s for v in voters for s in v.statuses]
        assert 503 in statuses, "the outage was never seen: it came too late or too early"
        assert all(s in (0, 200, 201, 503) for s in statuses), sorted(set(statuses))
        assert all(v.tracker for v in voters), "a voter gave up"
        with httpx.Client(base_url=base, timeout=15) as client:
            assert client.get("/ready").json()["status"] == "ready"
            # The record opens once voting closes (no running tallies before).
            closed = client.post(f"{live.url}/phase", json={"phase": "closed"}, headers=live.staff)
            assert closed.status_code == 200, closed.text
            record = client.get(f"{live.url}/record", headers=live.auditor).json()
    outcome = replay(record)
    assert outcome.ok, outcome.problem
    cast = [e["hash"] for e in record["events"] if e["type"] == "ballot.cast"]
    # Exactly one ballot per voter, each the one its voter was told of.
    assert sorted(cast) == sorted(v.tracker or "" for v in voters)
