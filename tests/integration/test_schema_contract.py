"""The published schema says what the server enforces, and OPTIONS names every method.

The fuzzer (test_schema_fuzz.py) checks this broadly; these are the cases named in
issue 15, asserted directly against the schema the server publishes and its answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.integration.http import Client, bearer, ok, refused, running_app

ROUNDS = "/api/v1/rounds"


@pytest.fixture
def client(engine: Engine) -> Iterator[Client]:
    with running_app(engine) as test_client:
        yield test_client


@pytest.fixture
def schema(client: Client) -> dict[str, Any]:
    published: dict[str, Any] = ok(client.get("/schema/openapi.json"))
    return published


def test_options_names_the_methods_of_every_controller_on_the_path(client: Client) -> None:
    # /api/v1/rounds is served by the rounds controller (GET, POST) and the import one.
    for path, methods in (
        (ROUNDS, {"GET", "POST", "OPTIONS"}),
        (f"{ROUNDS}/1/assessment/x", {"POST", "PUT", "OPTIONS"}),
    ):
        answer = client.options(path)
        assert answer.status_code == 204
        assert set(answer.headers["allow"].split(", ")) == methods, path


def test_models_refusing_unknown_fields_say_so(schema: dict[str, Any]) -> None:
    models = schema["components"]["schemas"]
    for name in ("RoundConfig", "RoundPatch", "BallotSettings", "District", "PhaseIn"):
        assert models[name]["additionalProperties"] is False, name


def test_an_amount_is_described_with_the_bounds_the_server_reads(
    client: Client, engine: Engine, schema: dict[str, Any]
) -> None:
    budget = schema["components"]["schemas"]["RoundConfig"]["properties"]["budget"]
    text, whole = budget["anyOf"]
    staff = bearer(engine, "council", "c")
    for value in ("1", "1500.5", "0.000000001", "9" * 18 + "." + "9" * 9):
        assert re.fullmatch(text["pattern"], value), value
        ok(client.post(ROUNDS, json={"title": "t", "budget": value}, headers=staff), 201)
    for value in ("0", "0.0", "1" + "0" * 18, "1.0000000001", "-1", "1e3"):
        assert not re.fullmatch(text["pattern"], value), value
    # The bounds parse_amount enforces: beyond them the server refuses, naming the field.
    for value in ("1" + "0" * 18, "1.0000000001"):
        body = {"title": "t", "budget": value}
        refused(client.post(ROUNDS, json=body, headers=staff), 400, "budget")
    # A JSON number without a fraction is a whole number, as the schema's integer says.
    assert whole == {"type": "integer", "minimum": 1, "maximum": 2**53}
    created = ok(client.post(ROUNDS, json={"title": "t", "budget": 1500.0}, headers=staff), 201)
    assert created["budget"] == "1500"
    refused(client.post(ROUNDS, json={"title": "t", "budget": 1500.5}, headers=staff), 400)


def test_names_the_server_checks_are_enumerated(schema: dict[str, Any]) -> None:
    models = schema["components"]["schemas"]
    config = models["RoundConfig"]["properties"]
    assert "greedy" in config["rule"]["anyOf"][0]["enum"]
    assert config["schedule"]["propertyNames"] == {"$ref": "#/components/schemas/Phase"}
    assert "void" in models["Phase"]["enum"]
    assert "void" in models["PhaseIn"]["properties"]["phase"]["enum"]
    presets = models["Fairness"]["properties"]["preset"]["anyOf"][0]["enum"]
    assert "equal-shares" in presets


def test_a_patch_may_not_null_a_setting_the_round_needs(
    client: Client, engine: Engine, schema: dict[str, Any]
) -> None:
    patch = schema["components"]["schemas"]["RoundPatch"]["properties"]
    assert patch["title"]["type"] == "string"
    assert {"type": "null"} in patch["rule"]["anyOf"]
    staff = bearer(engine, "council", "c")
    created = ok(client.post(ROUNDS, json={"title": "t", "budget": "10"}, headers=staff), 201)
    url = f"{ROUNDS}/{created['id']}"
    refused(client.patch(url, json={"description": None}, headers=staff), 422, "description")


def test_a_new_round_links_to_the_operations_its_id_opens(schema: dict[str, Any]) -> None:
    created = schema["paths"][ROUNDS]["post"]["responses"]["201"]["links"]
    phase = created["OpenForProposals"]
    assert phase["parameters"] == {"round_id": "$response.body#/id"}
    assert phase["requestBody"] == {"phase": "proposals"}
    operations = {
        op["operationId"]
        for item in schema["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert {link["operationId"] for link in created.values()} <= operations
    proposal = schema["paths"][f"{ROUNDS}/{{round_id}}/projects"]["post"]["responses"]["201"]
    review = proposal["links"]["ApiV1RoundsRoundIdProjectsProjectIdReviewReview"]
    assert review["parameters"] == {
        "project_id": "$response.body#/id",
        "round_id": "$request.path.round_id",
    }
    assert proposal["links"]["Accept"]["requestBody"] == {"decision": "accept", "cost": "1000"}
    moved = schema["paths"][f"{ROUNDS}/{{round_id}}/phase"]["post"]["responses"]["200"]["links"]
    assert moved["MoveToVoting"]["requestBody"] == {"phase": "voting"}
