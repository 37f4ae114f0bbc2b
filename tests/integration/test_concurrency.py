"""Many clients at once against a real server, on a SQLite file and on PostgreSQL.

The app runs under uvicorn on 127.0.0.1 (a free port), as `pbengine serve`
runs it, and is driven over real HTTP by many threads at once: distinct
voters from 16 clients, then repeated 50-way bursts on ONE voter code. Every
request must be answered within the client timeout, none with a 5xx; every
acknowledged ballot must be in the round's record, nothing else may be; and
the record must replay.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from pbengine.api import create_app
from pbengine.service.replay import replay
from tests.integration.http import as_voter, bearer
from tests.integration.in_thread import serve_app

CLIENT_TIMEOUT = 10.0  # seconds; a request not answered by then counts as a failure
CLIENTS = 16
VOTERS = 240
BURST = 50
BURST_REPEATS = 3


@pytest.fixture
def server(engine: Engine) -> Iterator[str]:
    """The app under uvicorn in a thread of this process; its base URL."""
    with serve_app(create_app(engine)) as base:
        yield base


@dataclass
class Answer:
    status: int  # 0: no answer within the client timeout (or the connection failed)
    seconds: float
    body: dict[str, Any] = field(default_factory=dict)
    replayed: bool = False


@dataclass
class Tally:
    """Every answer the clients got, and the trackers of the ballots acknowledged."""

    answers: list[Answer] = field(default_factory=list)
    trackers: set[str] = field(default_factory=set)

    def add(self, answers: list[Answer]) -> None:
        self.answers += answers
        self.trackers |= {a.body["tracker"] for a in answers if a.status == 201}

    def failures(self) -> list[tuple[int, dict[str, Any]]]:
        return [(a.status, a.body) for a in self.answers if a.status == 0 or a.status >= 500]

    def slowest(self) -> float:
        return max(a.seconds for a in self.answers)


def post(client: httpx.Client, url: str, body: dict[str, Any], headers: dict[str, str]) -> Answer:
    started = time.perf_counter()
    try:
        response = client.post(url, json=body, headers=headers)
    except httpx.HTTPError as exc:
        return Answer(0, time.perf_counter() - started, {"error": repr(exc)})
    seconds = time.perf_counter() - started
    try:
        parsed = response.json()
    except ValueError:
        parsed = {"text": response.text}
    replayed = response.headers.get("Idempotency-Replayed") == "true"
    return Answer(response.status_code, seconds, parsed, replayed)


Job = Callable[[httpx.Client], Answer]


def sending(url: str, body: dict[str, Any], headers: dict[str, str]) -> Job:
    return lambda client: post(client, url, body, headers)


class LiveRound:
    """A round open for voting on the live server, set up over HTTP like a council would."""

    def __init__(self, base: str, engine: Engine, voters: int, *, revote: bool = True) -> None:
        self.base = base
        self.staff = bearer(engine, "council", "Concurrency", name="Kim at the desk")
        self.auditor = bearer(engine, "auditor", "Concurrency")
        with httpx.Client(base_url=base, timeout=CLIENT_TIMEOUT) as c:
            config = {
                "title": "Busy evening",
                "budget": "100000",
                "outcomes": [{"key": "parks", "title": "Parks"}, {"key": "safe", "title": "Safe"}],
                "ballot": {"type": "approval", "max_length": 3},
                "revote": revote,
            }
            created = self._ok(c.post("/api/v1/rounds", json=config, headers=self.staff), 201)
            self.url = f"/api/v1/rounds/{created['id']}"
            self._ok(c.post(f"{self.url}/phase", json={"phase": "proposals"}, headers=self.staff))
            self.projects = []
            for i in range(5):
                proposal = {"title": f"p{i}", "cost_estimate": "1000", "outcomes": ["parks"]}
                made = self._ok(c.post(f"{self.url}/projects", json=proposal), 201)
                self.projects.append(made["id"])
            self._ok(c.post(f"{self.url}/phase", json={"phase": "review"}, headers=self.staff))
            for project in self.projects:
                review = {"decision": "accept", "cost": "1000"}
                url = f"{self.url}/projects/{project}/review"
                self._ok(c.post(url, json=review, headers=self.staff))
            self._ok(c.post(f"{self.url}/phase", json={"phase": "voting"}, headers=self.staff))
            issued = c.post(f"{self.url}/voter-codes", json={"count": voters}, headers=self.staff)
            self.codes: list[str] = self._ok(issued, 201)["codes"]

    @staticmethod
    def _ok(response: httpx.Response, status: int = 200) -> Any:
        assert response.status_code == status, response.text
        return response.json()

    def ballot(self, i: int) -> dict[str, Any]:
        """The i-th of a few different ballots."""
        return {"projects": [self.projects[i % 5], self.projects[(i + 2) % 5]]}

    def count(self) -> int:
        with httpx.Client(base_url=self.base, timeout=CLIENT_TIMEOUT) as c:
            return int(self._ok(c.get(f"{self.url}/ballots/count"))["ballots"])

    def close_and_check(self, tally: Tally) -> set[str]:
        """Close voting; the record must hold exactly the acknowledged ballots, and replay.

        Returns the trackers of the ballots counted (one per voter who voted)."""
        ballots = self.count()
        with httpx.Client(base_url=self.base, timeout=CLIENT_TIMEOUT) as c:
            self._ok(c.post(f"{self.url}/phase", json={"phase": "closed"}, headers=self.staff))
            record: dict[str, Any] = self._ok(c.get(f"{self.url}/record", headers=self.auditor))
            counted = set(self._ok(c.get(f"{self.url}/trackers"))["trackers"])
        cast = {e["hash"] for e in record["events"] if e["type"] == "ballot.cast"}
        assert cast == tally.trackers, "a ballot acknowledged but not stored, or stored unasked"
        assert counted <= tally.trackers
        assert len(counted) == ballots
        outcome = replay(record)
        assert outcome.ok, outcome.problem
        return counted


def in_parallel(jobs: list[Job], clients: list[httpx.Client]) -> list[Answer]:
    """Run the jobs on one thread per client, the first of each thread's jobs all at once."""
    gate = threading.Barrier(min(len(clients), len(jobs)))
    free = list(clients)
    local = threading.local()
    lock = threading.Lock()

    def run(job: Job) -> Answer:
        if not hasattr(local, "client"):
            with lock:
                local.client = free.pop()
            gate.wait(timeout=CLIENT_TIMEOUT)
        answer: Answer = job(local.client)
        return answer

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        return list(pool.map(run, jobs))


@pytest.fixture
def clients() -> Iterator[list[httpx.Client]]:
    """HTTP clients made once (making one costs milliseconds), one per concurrent caller."""
    made = [httpx.Client(timeout=CLIENT_TIMEOUT) for _ in range(BURST)]
    yield made
    for client in made:
        client.close()


def test_sixteen_clients_cast_for_distinct_voters(
    server: str, engine: Engine, clients: list[httpx.Client]
) -> None:
    r = LiveRound(server, engine, VOTERS)
    url = f"{server}{r.url}/ballots"

    def paper(i: int) -> Job:
        return sending(url, r.ballot(i) | {"voter_code": r.codes[i], "channel": "paper"}, r.staff)

    # One in ten entered from paper by staff while residents vote online.
    jobs = [
        paper(i) if i % 10 == 0 else sending(url, r.ballot(i), as_voter(r.codes[i]))
        for i in range(VOTERS)
    ]
    started = time.perf_counter()
    tally = Tally()
    tally.add(in_parallel(jobs, clients[:CLIENTS]))
    elapsed = time.perf_counter() - started
    print(
        f"\n{engine.dialect.name}: {VOTERS} voters from {CLIENTS} clients in {elapsed:.1f} s, "
        f"slowest answer {tally.slowest():.2f} s"
    )
    assert tally.failures() == []
    assert [a.status for a in tally.answers] == [201] * VOTERS
    assert r.count() == VOTERS
    assert len(tally.trackers) == VOTERS
    assert r.close_and_check(tally) == tally.trackers


def test_bursts_on_one_voter_code_are_answered_and_the_record_replays(
    server: str, engine: Engine, clients: list[httpx.Client]
) -> None:
    r = LiveRound(server, engine, 4)
    url = f"{server}{r.url}/ballots"
    resident, other, paper_voter, _ = r.codes
    tally = Tally()
    slowest: list[float] = []
    final: set[str] = set()  # the channel that got paper_voter's ballot in first

    def burst(jobs: list[Job]) -> list[Answer]:
        started = time.perf_counter()
        answers = in_parallel(jobs, clients)
        slowest.append(time.perf_counter() - started)
        tally.add(answers)
        assert tally.failures() == []
        return answers

    for repeat in range(BURST_REPEATS):
        # 1. The same resident revotes 50 times at once, no Idempotency-Key: each a revote,
        # until the code has changed its ballot as often as the throttle allows (429).
        answers = burst([sending(url, r.ballot(i), as_voter(resident)) for i in range(BURST)])
        assert {a.status for a in answers} <= {201, 409, 429}
        # Later repeats may find the code's changes used up (service/throttle.py).
        assert repeat > 0 or any(a.status == 201 for a in answers)

        # 2. One ballot retried 50 times with one Idempotency-Key: cast once, the rest replay.
        key = {"Idempotency-Key": f"retry-{repeat}"}
        answers = burst([sending(url, r.ballot(repeat), as_voter(other) | key)] * BURST)
        assert [a.status for a in answers] == [201] * BURST
        assert sum(not a.replayed for a in answers) == 1
        assert len({a.body["tracker"] for a in answers}) == 1

        # 3. 50 different requests, each with its own Idempotency-Key.
        answers = burst(
            [
                sending(url, r.ballot(i), as_voter(resident) | {"Idempotency-Key": f"{repeat}-{i}"})
                for i in range(BURST)
            ]
        )
        assert {a.status for a in answers} <= {201, 409, 429}

        # 4. Staff enter a paper ballot while the resident votes online, 25 of each at once.
        # If paper comes first, it is final; if online comes first, staff are refused (no
        # override) and the resident's other requests are revotes.
        entry = r.ballot(repeat) | {"voter_code": paper_voter, "channel": "paper"}
        answers = burst(
            [sending(url, entry, r.staff)] * (BURST // 2)
            + [sending(url, r.ballot(1), as_voter(paper_voter))] * (BURST // 2)
        )
        assert {a.status for a in answers} <= {201, 409, 429}
        final |= {a.body["channel"] for a in answers if a.status == 201}
        assert final in ({"paper"}, {"online"})
        papers = [a.status for a in answers[: BURST // 2]]
        assert papers.count(201) == (1 if repeat == 0 and final == {"paper"} else 0)
        refusal = next(a for a in answers if a.status == 409)
        assert refusal.body["field"] == "voter_code"

    print(
        f"\n{engine.dialect.name}: {len(slowest)} bursts of {BURST}, slowest burst "
        f"{max(slowest):.2f} s, slowest answer {tally.slowest():.2f} s"
    )
    assert max(slowest) < CLIENT_TIMEOUT
    assert r.count() == 3
    r.close_and_check(tally)


def same_voter_trials(
    server: str, engine: Engine, clients: list[httpx.Client], trials: int
) -> None:
    """Issue 15's same-voter burst: per trial, a new code sends 50 submissions at once to a
    round without revotes. Every other trial sends them with one Idempotency-Key (a client
    retrying), the rest without (50 devices, one code). Exactly one ballot counts per trial;
    the others are replays of its reply, or 409; never a server error."""
    r = LiveRound(server, engine, trials, revote=False)
    url = f"{server}{r.url}/ballots"
    tally = Tally()
    for trial, code in enumerate(r.codes):
        keyed = trial % 2 == 0
        headers = as_voter(code) | ({"Idempotency-Key": f"trial-{trial}"} if keyed else {})
        bodies = [r.ballot(0 if keyed else i) for i in range(BURST)]
        answers = in_parallel([sending(url, body, headers) for body in bodies], clients)
        tally.add(answers)
        assert tally.failures() == []
        (first,) = [a for a in answers if a.status == 201 and not a.replayed]
        others = [a for a in answers if a is not first]
        if keyed:
            assert all(a.status == 201 and a.replayed for a in others)
            assert {a.body["tracker"] for a in others} == {first.body["tracker"]}
        else:
            assert {a.status for a in others} == {409}
    assert r.count() == trials
    r.close_and_check(tally)


def test_fifty_submissions_for_one_code_count_once(
    server: str, engine: Engine, clients: list[httpx.Client]
) -> None:
    same_voter_trials(server, engine, clients, trials=6)


@pytest.mark.load_full
def test_fifty_submissions_for_one_code_count_once_in_two_hundred_trials(
    server: str, engine: Engine, clients: list[httpx.Client]
) -> None:
    same_voter_trials(server, engine, clients, trials=200)
