"""Fairness rules on a round over HTTP: chosen by preset or inline, frozen, reported."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from pbengine.service.replay import replay
from tests.integration.http import Client, as_voter, bearer, ok, refused, running_app

ROUNDS = "/api/v1/rounds"


@pytest.fixture
def client(engine: Engine) -> Iterator[Client]:
    with running_app(engine) as test_client:
        yield test_client


def _round_with_votes(
    client: Client, staff: dict[str, str], fairness: dict[str, Any]
) -> tuple[str, dict[str, str]]:
    """North's project is the favourite; South's two are cheaper and less popular."""
    config = {
        "title": "t",
        "budget": "100",
        "districts": [{"name": "North", "population": 500}, {"name": "South", "population": 500}],
        "fairness": fairness,
    }
    url = f"{ROUNDS}/{ok(client.post(ROUNDS, json=config, headers=staff), 201)['id']}"
    ok(client.post(f"{url}/phase", json={"phase": "proposals"}, headers=staff))
    ids = {}
    for name, cost, district in (
        ("n", "60", "North"),
        ("s1", "40", "South"),
        ("s2", "30", "South"),
    ):
        body = {"title": name, "cost_estimate": cost, "district": district}
        ids[name] = ok(client.post(f"{url}/projects", json=body), 201)["id"]
    ok(client.post(f"{url}/phase", json={"phase": "review"}, headers=staff))
    for name, cost, _ in (("n", "60", ""), ("s1", "40", ""), ("s2", "30", "")):
        review = {"decision": "accept", "cost": cost}
        ok(client.post(f"{url}/projects/{ids[name]}/review", json=review, headers=staff))
    ok(client.post(f"{url}/phase", json={"phase": "voting"}, headers=staff))
    ballots = [["n"]] * 5 + [["s1"]] * 3 + [["s2"]] * 2
    codes = ok(client.post(f"{url}/voter-codes", json={"count": 10}, headers=staff), 201)
    for code, names in zip(codes["codes"], ballots, strict=True):
        ballot = {"projects": [ids[n] for n in names]}
        ok(client.post(f"{url}/ballots", json=ballot, headers=as_voter(code)), 201)
    ok(client.post(f"{url}/phase", json={"phase": "closed"}, headers=staff))
    return url, ids


def test_a_district_floor_changes_the_result_and_the_report_says_so(
    client: Client, engine: Engine
) -> None:
    staff = bearer(engine, "council", "c")
    inline = {"document": {"rule": "max-welfare", "districts": {"floors": {"South": "70%"}}}}
    url, ids = _round_with_votes(client, staff, inline)
    assert ok(client.get(url))["fairness"]["document"] == inline["document"]
    refused(
        client.patch(url, json={"fairness": {"preset": "equal-shares"}}, headers=staff),
        409,
        "fairness",
    )
    result = ok(client.post(f"{url}/allocation", headers=staff))
    # Unconstrained, n (5 votes) and s1 (3) are the best affordable pair; South must get 70,
    # which only s1 + s2 (70) give, leaving 30: too little for n.
    assert set(result["selected"]) == {ids["s1"], ids["s2"]}
    equalities = result["equalities"]
    [south] = equalities["constraints"]
    assert (south["label"], south["floor"], south["spend"], south["met"]) == (
        "district South",
        "70",
        "70",
        True,
    )
    assert equalities["effect"]["brought_in"] == [ids["s2"]] or set(
        equalities["effect"]["brought_in"]
    ) == {ids["s2"]}
    assert equalities["effect"]["pushed_out"] == [ids["n"]]
    assert equalities["coverage"]["overall"] == "0.5"
    assert equalities["spend_by_district"]["South"]["share_of_population"] == "0.5"
    # What was computed at allocation is what results show later.
    assert ok(client.get(f"{url}/results", headers=staff))["equalities"] == equalities


def test_a_preset_is_stored_resolved(client: Client, engine: Engine) -> None:
    staff = bearer(engine, "council", "c")
    url, _ = _round_with_votes(client, staff, {"preset": "equal-shares-districts"})
    shown = ok(client.get(url))
    assert shown["rule"] == "equalshares/add1"  # the preset's rule, not the round's default
    stored = shown["fairness"]
    assert stored["preset"] == "equal-shares-districts"
    assert stored["document"]["districts"] == {"floor": "population", "floor_share": "50%"}
    result = ok(client.post(f"{url}/allocation", headers=staff))
    assert result["rule"] == "equalshares/add1"
    assert {c["label"] for c in result["equalities"]["constraints"]} == {
        "district North",
        "district South",
    }
    presets = {p["name"] for p in ok(client.get("/api/v1/rules/presets"))}
    assert "equal-shares-districts" in presets


@pytest.mark.parametrize(
    ("fairness", "words"),
    [
        ({"preset": "fairest"}, "no such preset"),
        ({"document": {"rule": "greedy", "colour": "red"}}, "colour"),
        ({"document": {"categories": {"floors": {"green": "150%"}}}}, "more than the whole"),
        ({}, "either a preset or a document"),
    ],
)
def test_bad_fairness_rules_are_refused(
    client: Client, engine: Engine, fairness: dict[str, Any], words: str
) -> None:
    staff = bearer(engine, "council", "c")
    config = {"title": "t", "budget": "100", "fairness": fairness}
    problem = refused(client.post(ROUNDS, json=config, headers=staff), 400, "fairness")["problem"]
    assert words in problem


def test_district_budgets_and_fairness_constraints_do_not_mix_yet(
    client: Client, engine: Engine
) -> None:
    staff = bearer(engine, "council", "c")
    config = {
        "title": "t",
        "budget": "100",
        "districts": [{"name": "North", "budget": "50", "population": 10}],
        "fairness": {"preset": "equal-shares-districts"},
    }
    refused(client.post(ROUNDS, json=config, headers=staff), 400, "fairness")


def test_district_budgets_with_a_preset_that_only_names_the_rule(
    client: Client, engine: Engine
) -> None:
    """warsaw-greedy asks for nothing but greedy, as its description says: district budgets
    then pool the money, and the pools run the preset's rule, not the round's own."""
    staff = bearer(engine, "council", "c")
    config = {
        "title": "t",
        "budget": "100",
        "rule": "equalshares",
        "districts": [{"name": "North", "budget": "50"}],
        "fairness": {"preset": "warsaw-greedy"},
    }
    url = f"{ROUNDS}/{ok(client.post(ROUNDS, json=config, headers=staff), 201)['id']}"
    ok(client.post(f"{url}/phase", json={"phase": "proposals"}, headers=staff))
    proposals = [("north-a", "40", "North"), ("north-b", "30", "North"), ("city", "50", None)]
    ids = {}
    for title, cost, district in proposals:
        body = {"title": title, "cost_estimate": cost, "district": district}
        ids[title] = ok(client.post(f"{url}/projects", json=body), 201)["id"]
    ok(client.post(f"{url}/phase", json={"phase": "review"}, headers=staff))
    for title, cost, _ in proposals:
        review = {"decision": "accept", "cost": cost}
        ok(client.post(f"{url}/projects/{ids[title]}/review", json=review, headers=staff))
    ok(client.post(f"{url}/phase", json={"phase": "voting"}, headers=staff))
    ballots = [["north-a", "north-b"]] * 3 + [["city"]] * 2
    codes = ok(client.post(f"{url}/voter-codes", json={"count": 5}, headers=staff), 201)
    for code, names in zip(codes["codes"], ballots, strict=True):
        ballot = {"projects": [ids[n] for n in names]}
        ok(client.post(f"{url}/ballots", json=ballot, headers=as_voter(code)), 201)
    ok(client.post(f"{url}/phase", json={"phase": "closed"}, headers=staff))
    result = ok(client.post(f"{url}/allocation", headers=staff))
    # North's 50 funds north-a (40) and leaves no room for north-b (30); the city's other
    # 50 funds the city-wide project, which North's projects may not reach into.
    assert sorted(result["selected"]) == sorted([ids["north-a"], ids["city"]])
    assert result["rule"] == "greedy"


def test_the_proposer_cap_applies_to_projects_proposed_through_the_api(
    client: Client, engine: Engine
) -> None:
    """A cap of 30% of 120,000: one proposer (however they spell their name) gets at most
    36,000, though their three projects are the favourites and 65,000 would fit."""
    staff = bearer(engine, "council", "c")
    document = {"rule": "greedy", "proposers": {"cap": "30%"}}
    config = {"title": "t", "budget": "120000", "fairness": {"document": document}}
    url = f"{ROUNDS}/{ok(client.post(ROUNDS, json=config, headers=staff), 201)['id']}"
    ok(client.post(f"{url}/phase", json={"phase": "proposals"}, headers=staff))
    proposals = [
        ("g1", "25000", "Green Society"),
        ("g2", "20000", "green  society"),
        ("g3", "20000", "GREEN SOCIETY "),
        ("b", "30000", "Bob"),
    ]
    ids = {}
    for title, cost, proposer in proposals:
        body = {"title": title, "cost_estimate": cost, "proposer": proposer}
        ids[title] = ok(client.post(f"{url}/projects", json=body), 201)["id"]
    public = ok(client.get(f"{url}/projects"))
    assert all("proposer" not in p for p in public)
    ok(client.post(f"{url}/phase", json={"phase": "review"}, headers=staff))
    for title, cost, _ in proposals:
        review = {"decision": "accept", "cost": cost}
        ok(client.post(f"{url}/projects/{ids[title]}/review", json=review, headers=staff))
    ok(client.post(f"{url}/phase", json={"phase": "voting"}, headers=staff))
    ballots = [["g1", "g2", "g3"]] * 5 + [["b"]] * 2
    codes = ok(client.post(f"{url}/voter-codes", json={"count": 7}, headers=staff), 201)
    for code, names in zip(codes["codes"], ballots, strict=True):
        ballot = {"projects": [ids[n] for n in names]}
        ok(client.post(f"{url}/ballots", json=ballot, headers=as_voter(code)), 201)
    ok(client.post(f"{url}/phase", json={"phase": "closed"}, headers=staff))
    result = ok(client.post(f"{url}/allocation", headers=staff))
    costs = {ids[t]: int(c) for t, c, _ in proposals}
    green = [ids[t] for t in ("g1", "g2", "g3")]
    assert sum(costs[p] for p in result["selected"] if p in green) <= 36000
    assert ids["b"] in result["selected"]
    # One cap per proposer (two of them), each named by a pseudonym, never by the name.
    caps = result["equalities"]["constraints"]
    assert [(c["cap"], c["met"]) for c in caps] == [("36000", True)] * 2
    assert "Green" not in str(result)
    assert "Bob" not in str(result)
    auditor = bearer(engine, "auditor", "c")
    record = ok(client.get(f"{url}/record", headers=auditor))
    assert "Green Society" not in str(record)
    assert replay(record).ok
