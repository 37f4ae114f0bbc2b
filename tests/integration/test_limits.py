"""Limits at the door: bodies past their route's cap are 413; code guessing, ballot floods
and anonymous proposal floods are 429 with Retry-After, and pass again once it has gone by.

The throttles run on a clock the test moves, so nothing here sleeps.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine

from pbengine.api import create_app
from pbengine.service.throttle import Limit, Throttle, Throttles
from tests.integration.http import as_voter, bearer, ok, refused
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


@pytest.fixture
def client(engine: Engine, clock: Clock) -> Iterator[Client]:
    throttles = Throttles(
        codes=Throttle(Limit(5, 600, "too many unknown codes from this address"), clock),
        ballots=Throttle(Limit(3, 600, "this code has voted too often"), clock),
        proposals=Throttle(Limit(4, 600, "too many proposals from this address"), clock),
    )
    with TestClient(create_app(engine, max_body=300_000, throttles=throttles)) as test_client:
        yield test_client


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
