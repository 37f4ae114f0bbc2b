"""Numbers an attacker sends: each is refused at the edge, naming its field, in no time.

`1e-100000` is a valid decimal whose exact fraction has a 100,000-digit denominator:
accepted as a budget, a cost or points, every comparison the rules made with it kept a
worker busy for 17 to 141 s. `1e5000` and ids past 2**63 answered 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.integration.http import Client, bearer, ok, refused, running_app

HOSTILE = ["1e-100000", "1e5000", "-1e-100000", "9" * 19, "0." + "0" * 9 + "1", "1" * 70]
"""Too small a step, too large, too long: each must be refused."""
ROUND = {"title": "Edges", "budget": "1000", "outcomes": [{"key": "parks", "title": "Parks"}]}


@pytest.fixture
def client(engine: Engine) -> Iterator[Client]:
    with running_app(engine) as test_client:
        yield test_client


@pytest.mark.parametrize("amount", HOSTILE)
def test_amounts_out_of_range_are_refused_naming_the_field(
    client: Client, engine: Engine, amount: str
) -> None:
    staff = bearer(engine, "council", "Edges")
    refused(
        client.post("/api/v1/rounds", json={**ROUND, "budget": amount}, headers=staff),
        400,
        "budget",
    )
    body = {**ROUND, "districts": [{"name": "North", "budget": amount}]}
    refused(client.post("/api/v1/rounds", json=body, headers=staff), 400, "districts.0.budget")
    round_id = ok(client.post("/api/v1/rounds", json=ROUND, headers=staff), 201)["id"]
    ok(client.post(f"/api/v1/rounds/{round_id}/phase", json={"phase": "proposals"}, headers=staff))
    proposal = {"title": "Bench", "cost_estimate": amount, "outcomes": ["parks"]}
    refused(client.post(f"/api/v1/rounds/{round_id}/projects", json=proposal), 400, "cost_estimate")
    # Nothing refused was stored.
    assert ok(client.get(f"/api/v1/rounds/{round_id}/projects")) == []


def test_the_largest_amounts_allowed_still_work(client: Client, engine: Engine) -> None:
    staff = bearer(engine, "council", "Edges")
    body = {**ROUND, "budget": "9" * 18 + ".123456789"}
    assert (
        ok(client.post("/api/v1/rounds", json=body, headers=staff), 201)["budget"] == body["budget"]
    )


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/rounds/9223372036854775808",
        "/api/v1/rounds/99999999999999999999999/record",
        "/api/v1/rounds/9223372036854775808/results",
        "/api/v1/rounds/0/head",
    ],
)
def test_ids_the_database_cannot_hold_are_not_found(
    client: Client, engine: Engine, path: str
) -> None:
    staff = bearer(engine, "council", "Edges")
    refused(client.get(path, headers=staff), 404, "id")


def test_counts_are_bounded(client: Client, engine: Engine) -> None:
    staff = bearer(engine, "council", "Edges")
    too_many: list[tuple[dict[str, Any], str]] = [
        ({"ballot": {"max_length": 10**30}}, "ballot.max_length"),
        ({"ballot": {"max_outcomes": 10**30}}, "ballot.max_outcomes"),
        ({"districts": [{"name": "North", "population": 10**30}]}, "districts.0.population"),
    ]
    for extra, field in too_many:
        refused(client.post("/api/v1/rounds", json={**ROUND, **extra}, headers=staff), 400, field)
