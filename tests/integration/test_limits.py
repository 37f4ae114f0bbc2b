"""Limits at the door: bodies past their route's cap are 413; code guessing, ballot floods
and anonymous proposal floods are 429 with Retry-After, and pass again once it has gone by.

The throttles run on a clock the test moves, so nothing here sleeps; each test runs with
the counts in memory and in the database (as a server keeps them). The last tests start
`pbengine serve --workers 2` and show that a limit holds across its worker processes.
"""

from __future__ import annotations

import gc
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine, delete

from pbengine.api import create_app
from pbengine.service.throttle import (
    OTHERS_FRESH_SECONDS,
    Limit,
    Throttle,
    ThrottledError,
    Throttles,
)
from pbengine.store import throttle_counts
from pbengine.store.throttle_counts import FLUSH_SECONDS, CountStore, ThrottleEventRow
from tests.integration.http import as_voter, bearer, ok, refused
from tests.integration.served import Served, VotingRound, serving
from tests.integration.test_ballot_channels import Voting

Client = TestClient[Litestar]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


LIMITS = (
    Limit(5, 600, "too many unknown codes from this address"),
    Limit(3, 600, "this code has voted too often"),
    Limit(4, 600, "too many proposals from this address"),
)


@pytest.fixture(params=["memory", "database"])
def client(request: pytest.FixtureRequest, engine: Engine, clock: Clock) -> Iterator[Client]:
    if request.param == "memory":
        codes, ballots, proposals = (Throttle(limit, clock) for limit in LIMITS)
        throttles = Throttles(codes, ballots, proposals)
    else:
        # PostgreSQL's database is the test run's: counts of earlier tests would count here.
        forget_counts(engine)
        throttles = Throttles.kept_in(engine, clock, LIMITS)
    try:
        app = create_app(engine, max_body=300_000, throttles=throttles)
        with TestClient(app) as test_client:
            yield test_client
    finally:
        throttles.close()


def forget_counts(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(delete(ThrottleEventRow))


def test_bodies_past_their_cap_are_413(client: Client, engine: Engine) -> None:
    staff = bearer(engine, "council", "Limits")
    # A ballot or a round's settings fit in kilobytes: 64 KiB is the JSON routes' cap.
    big = {"title": "x", "budget": "1", "description": "d" * 70_000}
    refused(client.post("/api/v1/rounds", json=big, headers=staff), 413, "body")
    # Only an import may be larger, up to its own cap (here 300,000 bytes).
    pb = b"META\nkey;value\n" + b"#" * 310_000
    refused(client.post("/api/v1/rounds/import", content=pb, headers=staff), 413, "body")


def test_guessing_codes_is_throttled_per_address(
    client: Client, engine: Engine, clock: Clock
) -> None:
    voting = Voting(client, engine, {"type": "approval"})
    for n in range(5):
        refused(voting.online(f"WRNG-CODE-{n:04d}-AAAA", projects=[voting.projects[0]]), 401)
    # The sixth attempt is refused before it is looked up, so even a right code waits.
    answer = refused(voting.online(voting.codes[0], projects=[voting.projects[0]]), 429, "rate")
    assert "unknown codes" in answer["problem"]
    response = voting.online(voting.codes[0], projects=[voting.projects[0]])
    assert 1 <= int(response.headers["Retry-After"]) <= 600
    # Staff tokens were never counted: the council works on.
    assert voting.count()["ballots"] == 0
    clock.now += 601
    ok(voting.online(voting.codes[0], projects=[voting.projects[0]]), 201)


def test_a_code_changing_its_ballot_too_often_is_throttled(
    client: Client, engine: Engine, clock: Clock
) -> None:
    voting = Voting(client, engine, {"type": "approval"})
    code = voting.codes[0]
    retry = {**as_voter(code), "Idempotency-Key": "first"}
    url = f"{voting.url}/ballots"
    ok(client.post(url, json={"projects": [voting.projects[0]]}, headers=retry), 201)
    # A retry with its Idempotency-Key is not a new ballot, and is not counted.
    for _ in range(3):
        again = client.post(url, json={"projects": [voting.projects[0]]}, headers=retry)
        assert again.headers["Idempotency-Replayed"] == "true"
    for project in voting.projects[1:3]:
        ok(voting.online(code, projects=[project]), 201)
    refused(voting.online(code, projects=[voting.projects[3]]), 429, "rate")
    # Another code is not held back by this one.
    ok(voting.online(voting.codes[1], projects=[voting.projects[3]]), 201)
    clock.now += 601
    ok(voting.online(code, projects=[voting.projects[3]]), 201)


def test_anonymous_proposals_are_throttled_per_address(
    client: Client, engine: Engine, clock: Clock
) -> None:
    staff = bearer(engine, "council", "Limits")
    made = ok(client.post("/api/v1/rounds", json={"title": "P", "budget": "9"}, headers=staff), 201)
    url = f"/api/v1/rounds/{made['id']}"
    ok(client.post(f"{url}/phase", json={"phase": "proposals"}, headers=staff))
    proposal = {"title": "Bench", "cost_estimate": "5"}
    for _ in range(4):
        ok(client.post(f"{url}/projects", json=proposal), 201)
    refused(client.post(f"{url}/projects", json=proposal), 429, "rate")
    ok(client.post(f"{url}/projects", json=proposal, headers=staff), 201)
    assert len(ok(client.get(f"{url}/projects"))) == 5
    clock.now += 601
    ok(client.post(f"{url}/projects", json=proposal), 201)


def test_an_import_past_the_row_limits_is_refused_naming_the_limit(
    client: Client, engine: Engine
) -> None:
    staff = bearer(engine, "council", "Limits")
    before = len(ok(client.get("/api/v1/rounds")))
    projects = "".join(f"p{i};10\n" for i in range(10_001))
    pb = f"META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\n{projects}"
    answer = refused(client.post("/api/v1/rounds/import", content=pb, headers=staff), 422, "body")
    assert answer["problem"] == "more than 10,000 rows in PROJECTS"
    assert answer["line"] == 6 + 10_001  # the 10,001st project
    assert len(ok(client.get("/api/v1/rounds"))) == before  # nothing was stored


def test_two_processes_count_against_one_limit(engine: Engine, clock: Clock) -> None:
    """Two sets of throttles on one database, as two worker processes keep them: each sees
    its own counts at once, and the other's once written and its last read of that key is
    OTHERS_FRESH_SECONDS old."""
    forget_counts(engine)
    first = Throttles.kept_in(engine, clock, LIMITS)
    second = Throttles.kept_in(engine, clock, LIMITS)
    try:
        assert first.store is not None
        assert second.store is not None
        assert first.store.source != second.store.source
        second.ballots.check("v-1")  # read (nothing) before the first counts
        for _ in range(3):
            first.ballots.check("v-1")
            first.ballots.count("v-1")
        with pytest.raises(ThrottledError):  # its own counts, before they are written
            first.ballots.check("v-1")
        assert first.store.flush()
        time.sleep(OTHERS_FRESH_SECONDS)
        with pytest.raises(ThrottledError) as refused:
            second.ballots.check("v-1")
        assert refused.value.retry_after == 600
        second.ballots.check("v-2")  # another code is not held back
        # Both count one key: 2 + 1 reach the limit of 3 for each of them.
        for throttles in (first, first, second):
            throttles.ballots.count("v-3")
        assert first.store.flush()
        assert second.store.flush()
        time.sleep(OTHERS_FRESH_SECONDS)
        for throttles in (first, second):
            with pytest.raises(ThrottledError):
                throttles.ballots.check("v-3")
        # Several keys in one look-up, as a batch of ballots checks its voters.
        third = Throttles.kept_in(engine, clock, LIMITS)
        try:
            refused_now = third.ballots.refusals({"v-1", "v-2", "v-3"})
            assert set(refused_now) == {"v-1", "v-3"}
            assert refused_now["v-1"].retry_after == 600
            assert second.ballots.refusals({"v-2", "v-3"}).keys() == {"v-3"}
        finally:
            third.close()
        clock.now += 601
        first.ballots.check("v-1")
        second.ballots.check("v-3")
    finally:
        first.close()
        second.close()


# SQLite plans the counts' read well without statistics, and none are kept for it.
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_the_counts_statistics_are_refreshed_as_they_grow(engine: Engine, clock: Clock) -> None:
    """A batch's read of its voters' counts is planned from the table's statistics; those
    of an empty table made it read every count of the last ten minutes for each batch. The
    counts' writer analyses the table once it has written 1,024 of them (after storing
    them: store/statistics.py)."""
    forget_counts(engine)
    throttles = Throttles.kept_in(engine, clock, LIMITS)
    try:
        assert throttles.store is not None
        for n in range(1_100):
            throttles.ballots.count(f"v-{n}")
        assert throttles.store.flush()
        statistics = "SELECT reltuples FROM pg_class WHERE relname = 'throttle_event'"
        deadline = time.monotonic() + 10
        while throttles.store.run(statistics, ())[0][0] < 1_024:
            assert time.monotonic() < deadline, "the counts were never analysed"
            time.sleep(0.05)
    finally:
        throttles.close()
        forget_counts(engine)


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_closing_the_counts_waits_for_the_writers_last_step(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer purges old counts after it has written new ones, so flush() can return
    while the purge holds a connection. Closing must wait for it: a pool disposed under
    it got the connection back later and dropped it unclosed (psycopg's ResourceWarning,
    an error here, once the collector met it)."""
    forget_counts(engine)
    monkeypatch.setattr(throttle_counts, "PURGE", "SELECT pg_sleep(0.3) WHERE %s::bigint < 0")
    store = CountStore.beside(engine, horizon=600)
    store.add("a-digest", 1_000)
    assert store.flush()
    store.close()  # the purge sleeps on, if closing did not wait for it
    time.sleep(0.5)
    gc.collect()
    forget_counts(engine)


@contextmanager
def alone(worker: int, others: list[int]) -> Iterator[None]:
    """Only `worker` accepts connections: the other workers are stopped (SIGSTOP) meanwhile.
    uvicorn's supervisor restarts a worker silent for 5 s, so a stop lasts far less."""
    stopped = [pid for pid in others if pid != worker]
    for pid in stopped:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in stopped:
            os.kill(pid, signal.SIGCONT)


@pytest.fixture
def two_workers(engine: Engine, tmp_path: Path) -> Iterator[tuple[Served, list[int]]]:
    forget_counts(engine)
    url = engine.url.render_as_string(hide_password=False)
    with serving(url, tmp_path, workers=2) as served:
        deadline = time.monotonic() + 60
        while len(workers := served.worker_pids()) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(workers) == 2, served.log_tail()
        # Each worker answers alone before the test leans on it (the second may still start).
        for pid in workers:
            with alone(pid, workers):
                ok(httpx.get(f"{served.base}/health", timeout=60))
        yield served, workers
    # After too: the run's PostgreSQL database is shared, and a later test's server (the
    # mass vote's, from this same address) would find this one's unknown codes counted.
    forget_counts(engine)


def test_a_codes_ballots_are_counted_across_worker_processes(
    engine: Engine, two_workers: tuple[Served, list[int]]
) -> None:
    served, (first, second) = two_workers
    voting = VotingRound(served.base, engine, "Two workers")
    (code,) = voting.codes(1)
    url = f"{served.base}{voting.url}/ballots"
    # Each request on a connection of its own, so that the stopped worker cannot hold one.
    with alone(first, [first, second]):
        for i in range(10):
            ok(httpx.post(url, json=voting.ballot(i), headers=as_voter(code), timeout=60), 201)
    # Counted in the first worker's memory, the second would take ten more. A worker writes
    # its counts within FLUSH_SECONDS; the first is given that many times over.
    time.sleep(FLUSH_SECONDS * 25)
    with alone(second, [first, second]):
        answer = httpx.post(url, json=voting.ballot(10), headers=as_voter(code), timeout=60)
    assert refused(answer, 429, "rate")["problem"].startswith("this code has voted too often")
    assert 1 <= int(answer.headers["Retry-After"]) <= 600


def test_unknown_codes_are_counted_across_worker_processes(
    engine: Engine, two_workers: tuple[Served, list[int]]
) -> None:
    served, (first, second) = two_workers
    rounds = f"{served.base}/api/v1/rounds"
    with alone(first, [first, second]):
        for n in range(20):
            guess = as_voter(f"AAAA-BBBB-CCCC-{n:04d}")
            refused(httpx.get(rounds, headers=guess, timeout=60), 401, "authorization")
    time.sleep(FLUSH_SECONDS * 25)
    with alone(second, [first, second]):
        answer = httpx.get(rounds, headers=as_voter("AAAA-BBBB-CCCC-9999"), timeout=60)
    assert refused(answer, 429, "rate")["problem"].startswith("too many unknown codes")
    assert 1 <= int(answer.headers["Retry-After"]) <= 600
