"""Configuring a round over HTTP: what councils may set, and the errors they get."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from pbengine.store.tables import RoundRow
from tests.integration.http import Client, as_voter, bearer, ok, refused, running_app

ROUNDS = "/api/v1/rounds"


@pytest.fixture
def client(engine: Engine) -> Iterator[Client]:
    with running_app(engine) as test_client:
        yield test_client


def rounds_stored(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(RoundRow)).one())


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"title": "x", "budget": 1000.5}, "budget", "string or a whole number"),
        ({"title": "x", "budget": "lots"}, "budget", "not a number"),
        ({"title": "x", "budget": "-5"}, "budget", "negative"),
        ({"title": "x", "budget": "0"}, "budget", "positive"),
        ({"title": "x", "budget": "100", "budgett": 1}, "budgett", "not permitted"),
        ({"title": "", "budget": "100"}, "title", "at least 1"),
        (
            {"title": "x", "budget": "100", "districts": [{"name": "a", "budget": "200"}]},
            "districts",
            "add up to 200",
        ),
        ({"title": "x", "budget": "100", "categories": ["a", "a"]}, "categories", "twice"),
        ({"title": "x", "budget": "100", "rule": "dice"}, "rule", "unknown rule"),
        (
            {"title": "x", "budget": "100", "ballot": {"min_length": 3, "max_length": 2}},
            "ballot",
            "above max_length",
        ),
        (
            {"title": "x", "budget": "100", "ballot": {"type": "approval", "max_points": 5}},
            "ballot",
            "cumulative and scoring",
        ),
        ({"title": "x", "budget": "100", "currency": "euro"}, "currency", "pattern"),
        (
            {
                "title": "x",
                "budget": "100",
                "schedule": {"voting": "2027-01-01T00:00:00Z", "proposals": "2027-02-01T00:00:00Z"},
            },
            "schedule",
            "order",
        ),
        (
            {"title": "x", "budget": "100", "outcomes": [{"key": "Not A Slug", "title": "t"}]},
            "outcomes.0.key",
            "pattern",
        ),
    ],
)
def test_bad_configuration_is_refused_naming_the_field(
    client: Client, engine: Engine, body: dict[str, Any], field: str, words: str
) -> None:
    staff = bearer(engine, "council", "c")
    before = rounds_stored(engine)
    problem = refused(client.post(ROUNDS, json=body, headers=staff), 400, field)["problem"]
    assert words in problem
    assert rounds_stored(engine) == before


def test_who_may_create_and_change_a_round(client: Client, engine: Engine) -> None:
    staff = bearer(engine, "council", "c")
    body = {"title": "x", "budget": "100"}
    refused(client.post(ROUNDS, json=body), 401, "authorization")
    refused(client.post(ROUNDS, json=body, headers=bearer(engine, "auditor", "c")), 403)
    refused(client.post(ROUNDS, content=b"{nope", headers=staff), 400, "body")
    created = ok(client.post(ROUNDS, json=body, headers=staff), 201)
    assert created["rule"] == "greedy"
    assert created["phase"] == "draft"
    url = f"{ROUNDS}/{created['id']}"
    refused(client.patch(url, json={"title": "y"}, headers=bearer(engine, "council", "d")), 404)
    refused(client.patch(url, json={"title": "y"}), 401)
    refused(client.patch(f"{ROUNDS}/99999", json={"title": "y"}, headers=staff), 404, "id")
    # A change is checked against the whole configuration it produces.
    ok(client.patch(url, json={"districts": [{"name": "a", "budget": "60"}]}, headers=staff))
    refused(client.patch(url, json={"budget": "50"}, headers=staff), 422, "districts")
    refused(client.patch(url, json={"title": None}, headers=staff), 422, "title")
    changed = ok(client.patch(url, json={"budget": "80", "rule": "max-welfare"}, headers=staff))
    assert (changed["budget"], changed["rule"], changed["districts"][0]["budget"]) == (
        "80",
        "max-welfare",
        "60",
    )
    listed = ok(client.get(ROUNDS))
    assert {"id": created["id"], "council": "c", "title": "x", "phase": "draft"} in listed
    assert {r["name"] for r in ok(client.get("/api/v1/rules"))} >= {"greedy", "equalshares/add1"}


def _voting_round(
    client: Client, staff: dict[str, str], ballot: dict[str, Any], costs: list[str]
) -> tuple[str, list[str], str]:
    """A round open for voting with projects of these costs; returns its URL, ids and a code."""
    config = {"title": "t", "budget": "100", "ballot": ballot}
    url = f"{ROUNDS}/{ok(client.post(ROUNDS, json=config, headers=staff), 201)['id']}"
    ok(client.post(f"{url}/phase", json={"phase": "proposals"}, headers=staff))
    ids = [
        ok(client.post(f"{url}/projects", json={"title": f"p{i}", "cost_estimate": c}), 201)["id"]
        for i, c in enumerate(costs)
    ]
    ok(client.post(f"{url}/phase", json={"phase": "review"}, headers=staff))
    for pid, cost in zip(ids, costs, strict=True):
        review = {"decision": "accept", "cost": cost}
        ok(client.post(f"{url}/projects/{pid}/review", json=review, headers=staff))
    ok(client.post(f"{url}/phase", json={"phase": "voting"}, headers=staff))
    [code] = ok(client.post(f"{url}/voter-codes", json={"count": 1}, headers=staff), 201)["codes"]
    return url, ids, code


def test_cumulative_ballots_share_points(client: Client, engine: Engine) -> None:
    staff = bearer(engine, "council", "c")
    ballot = {"type": "cumulative", "max_sum_points": "10", "max_points": "6"}
    url, (a, b, c), code = _voting_round(client, staff, ballot, ["10", "20", "30"])
    voter = as_voter(code)

    def vote(body: dict[str, Any]) -> Any:
        return client.post(f"{url}/ballots", json=body, headers=voter)

    refused(vote({"points": {a: 6, b: 5}}), 422, "max_sum_points")
    refused(vote({"points": {a: 7}}), 422, "max_points")
    refused(vote({"points": {a: 0}}), 422, "points")
    refused(vote({"points": {a: "x"}}), 400, f"points.{a}")
    refused(vote({"points": {a: 1.5}}), 400, f"points.{a}")
    refused(vote({"projects": [a]}), 422, "projects")
    ok(vote({"points": {a: 6, c: "4"}}), 201)
    ok(client.post(f"{url}/phase", json={"phase": "closed"}, headers=staff))
    exported = client.get(f"{url}/export.pb", headers=staff).text
    assert f"{a},{c};6,4" in exported


def test_knapsack_ballots_fit_the_budget(client: Client, engine: Engine) -> None:
    staff = bearer(engine, "council", "c")
    url, (a, b, c), code = _voting_round(client, staff, {"type": "knapsack"}, ["40", "50", "30"])
    voter = as_voter(code)
    too_dear = client.post(f"{url}/ballots", json={"projects": [a, b, c]}, headers=voter)
    assert "total cost is 120" in refused(too_dear, 422, "max_sum_cost")["problem"]
    ok(client.post(f"{url}/ballots", json={"projects": [a, b]}, headers=voter), 201)


def test_the_reallocation_rule_is_declared_before_voting_and_then_frozen(
    client: Client, engine: Engine
) -> None:
    staff = bearer(engine, "council", "c")
    refused(
        client.post(
            ROUNDS, json={"title": "t", "budget": "1", "reallocation": "lottery"}, headers=staff
        ),
        400,
        "reallocation",
    )
    url, _, _ = _voting_round(client, staff, {"type": "approval"}, ["10"])
    assert ok(client.get(url))["reallocation"] == "carry"
    assert "reallocation" in ok(client.get(url))["frozen"]
    refused(client.patch(url, json={"reallocation": "rerun"}, headers=staff), 409, "reallocation")
