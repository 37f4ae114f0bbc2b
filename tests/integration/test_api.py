"""The round API over HTTP against the real app, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from pbengine.formats.pabulib import read_file, read_text
from pbengine.service.replay import replay
from pbengine.store.tables import RoundRow
from tests.conftest import FIXTURES, shared_elections
from tests.integration.http import Client, bearer, running_app

ASSEN = FIXTURES / "Netherlands_Assen_2024.pb"


@pytest.fixture
def client(engine: Engine) -> Iterator[Client]:
    with running_app(engine) as test_client:
        yield test_client


def import_round(client: Client, headers: dict[str, str], path: Path = ASSEN) -> int:
    response = client.post("/api/v1/rounds/import", content=path.read_bytes(), headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def city_funded(path: Path) -> set[str]:
    return {p.id for p in read_file(path).projects if p.attributes.get("selected") == "1"}


@pytest.mark.parametrize(
    "name", ["Poland_Swiecie_2023.pb", "Poland_Wieliczka_2023_Green_Budget.pb"]
)
def test_imported_cities_allocate_to_what_they_funded(
    client: Client, engine: Engine, name: str
) -> None:
    path = shared_elections() / name
    staff = bearer(engine, "council", "city")
    round_id = import_round(client, staff, path)
    assert client.get(f"/api/v1/rounds/{round_id}").json()["phase"] == "closed"
    result = client.post(f"/api/v1/rounds/{round_id}/allocation", headers=staff)
    assert result.status_code == 200, result.text
    assert set(result.json()["selected"]) == city_funded(path)
    exported = client.get(f"/api/v1/rounds/{round_id}/export.pb", headers=staff)
    assert read_text(exported.text) == read_file(path)


def test_history_journey_council_auditor_public(client: Client, engine: Engine) -> None:
    staff = bearer(engine, "council", "assen")
    auditor = bearer(engine, "auditor", "assen")
    round_id = import_round(client, staff)
    assert (
        client.get(f"/api/v1/rounds/{round_id}/results", headers=staff).status_code == 409
    )  # not yet run
    allocated = client.post(f"/api/v1/rounds/{round_id}/allocation", headers=staff).json()
    assert allocated["phase"] == "allocated"
    assert set(allocated["selected"]) == city_funded(ASSEN)
    assert allocated["spend_by_district"] == {"(none)": allocated["total_cost"]}
    assert all(p["explanation"] for p in allocated["projects"])
    public = client.get(f"/api/v1/rounds/{round_id}/results")
    assert public.status_code == 403
    assert public.json()["field"] == "phase"
    assert client.get(f"/api/v1/rounds/{round_id}/results", headers=auditor).status_code == 200
    published = client.post(
        f"/api/v1/rounds/{round_id}/phase", json={"phase": "published"}, headers=staff
    )
    assert published.status_code == 200
    assert published.json()["phase"] == "published"
    assert (
        client.get(f"/api/v1/rounds/{round_id}/results").json()["selected"] == allocated["selected"]
    )
    # the record with its ballots: auditors and the council, not the public
    assert client.get(f"/api/v1/rounds/{round_id}/export.pb", headers=auditor).status_code == 200
    # no token at all: 401, asking for one (403 is for a token that may not)
    assert client.get(f"/api/v1/rounds/{round_id}/export.pb").status_code == 401


def test_role_boundaries(client: Client, engine: Engine) -> None:
    staff = bearer(engine, "council", "north")
    other = bearer(engine, "council", "south")
    auditor = bearer(engine, "auditor", "north")
    round_id = import_round(client, staff)
    assert client.post("/api/v1/rounds/import", content=ASSEN.read_bytes()).status_code == 401
    assert (
        client.post(
            "/api/v1/rounds/import", content=ASSEN.read_bytes(), headers=auditor
        ).status_code
        == 403
    )
    # another council's round does not exist as far as its staff can tell
    refused = client.post(f"/api/v1/rounds/{round_id}/allocation", headers=other)
    assert refused.status_code == 404
    assert client.get(f"/api/v1/rounds/{round_id}/export.pb", headers=other).status_code == 404
    assert client.post(f"/api/v1/rounds/{round_id}/allocation", headers=auditor).status_code == 403
    # An auditor reads its own council's record and nothing of another's: the round does
    # not exist as far as it can tell (it was 200 for every council before).
    record = f"/api/v1/rounds/{round_id}/record"
    assert client.get(record, headers=auditor).status_code == 200
    south_auditor = bearer(engine, "auditor", "south")
    assert client.get(record, headers=south_auditor).status_code == 404
    # Its unpublished results are as closed to it as to the public.
    results = client.get(f"/api/v1/rounds/{round_id}/results", headers=south_auditor)
    assert (results.status_code, results.json()["field"]) == (403, "phase")
    bad = client.get(f"/api/v1/rounds/{round_id}/results", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert bad.json()["field"] == "authorization"
    basic = client.get(f"/api/v1/rounds/{round_id}/results", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401


def test_phase_rules(client: Client, engine: Engine) -> None:
    staff = bearer(engine, "council", "c")
    round_id = import_round(client, staff)

    def move(phase: object) -> int:
        return client.post(
            f"/api/v1/rounds/{round_id}/phase", json={"phase": phase}, headers=staff
        ).status_code

    assert move("published") == 409  # nothing allocated yet
    assert move("voting") == 409  # never backwards
    assert move("allocated") == 409  # only by running the allocation
    assert move("finished") == 409
    assert client.post(f"/api/v1/rounds/{round_id}/allocation", headers=staff).status_code == 200
    assert move("published") == 200
    assert move("published") == 409  # never the same phase twice
    assert client.post(f"/api/v1/rounds/{round_id}/allocation", headers=staff).status_code == 409
    # After publication: delivery, the residents' assessment, the archive; one step at a time,
    # never void (the result stands), and the result stays public and is never re-run.
    assert move("assessment") == 409
    void = {"phase": "void", "reason": "too late"}
    assert (
        client.post(f"/api/v1/rounds/{round_id}/phase", json=void, headers=staff).status_code == 409
    )
    for phase in ("delivery", "assessment", "archived"):
        assert move(phase) == 200
        results = client.get(f"/api/v1/rounds/{round_id}/results")
        assert results.status_code == 200, phase
        assert (
            client.post(f"/api/v1/rounds/{round_id}/allocation", headers=staff).status_code == 409
        )
    assert move("delivery") == 409  # nothing after archived, and never backwards
    record = client.get(f"/api/v1/rounds/{round_id}/record", headers=staff).json()
    assert replay(record).ok, "replay follows the round to its archive"


def rounds_stored(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(RoundRow)).one())


def test_bad_input_is_a_4xx_naming_the_problem_and_stores_nothing(
    client: Client, engine: Engine
) -> None:
    staff = bearer(engine, "council", "c")
    before = rounds_stored(engine)
    malformed = client.post(
        "/api/v1/rounds/import",
        content=b"META\nkey;value\nbudget;lots\nPROJECTS\nproject_id;cost\n",
        headers=staff,
    )
    assert malformed.status_code == 422
    assert malformed.json() == {
        "status": 422,
        "field": "body",
        "problem": "META budget 'lots' is not a number",
        "line": 3,
    }
    latin = client.post(
        "/api/v1/rounds/import", content="budget;Łódź".encode("utf-16"), headers=staff
    )
    assert latin.status_code == 422
    duplicate = (
        ASSEN.read_text(encoding="utf-8")
        + ASSEN.read_text(encoding="utf-8").split("VOTES\n")[1].splitlines()[1]
        + "\n"
    )
    dup = client.post("/api/v1/rounds/import", content=duplicate.encode(), headers=staff)
    assert dup.status_code == 422
    assert "two ballots" in dup.json()["problem"]
    huge = client.post("/api/v1/rounds/import", content=b"x" * 3_000_000, headers=staff)
    assert huge.status_code == 413
    assert rounds_stored(engine) == before

    round_id = import_round(client, staff)
    url = f"/api/v1/rounds/{round_id}/phase"
    assert client.post(url, content=b"{not json", headers=staff).json()["field"] == "body"
    wrong_type = client.post(url, json={"phase": 7}, headers=staff)
    assert wrong_type.status_code == 400
    assert wrong_type.json()["field"] == "phase"
    unknown_rule = client.post(
        f"/api/v1/rounds/{round_id}/allocation", json={"rule": "dice"}, headers=staff
    )
    assert unknown_rule.status_code == 422
    assert unknown_rule.json()["field"] == "rule"
    assert client.get("/api/v1/rounds/424242").status_code == 404


def test_openapi_schema_and_swagger(client: Client) -> None:
    schema = client.get("/schema/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/rounds/import" in schema.json()["paths"]
    assert client.get("/schema/swagger").status_code == 200


def test_every_api_response_body_has_a_named_schema(client: Client) -> None:
    """A client generated from the OpenAPI document gets a type for every reply, not `object`."""
    document = client.get("/schema/openapi.json").json()
    untyped = []
    for path, operations in document["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                body = response.get("content", {}).get("application/json")
                if not status.startswith("2") or body is None:
                    continue
                schema = body["schema"]
                named = schema.get("items", schema)
                if "$ref" not in named and "oneOf" not in named:
                    untyped.append(f"{method.upper()} {path} {status}")
    assert untyped == []
    results = document["components"]["schemas"]["ResultsReport"]["properties"]
    assert results["projects"]["items"] == {"$ref": "#/components/schemas/ProjectResult"}
