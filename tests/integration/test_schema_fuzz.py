"""Schemathesis over the published OpenAPI schema, on a SQLite file and on PostgreSQL.

Two runs per database, each with a fixed seed:
- every operation alone, anonymous (`EXAMPLES` cases each, positive and negative);
- stateful: sequences that follow the schema's links (a round's `id` into its phase, its
  projects, its batches...; a proposal's `id` into its review, delivery, assessment),
  with a council's bearer token, so that the deep routes run on rounds that exist.

Every response is checked for: no server error; a body the schema describes; a status the
schema documents; its content type; a 405 only with `Allow`; an OPTIONS `Allow` naming
every method of the path (`allow_header_conformance`); and no refusal of a body the schema
says is valid (`positive_data_acceptance`): never 400, and anonymously never 422 either. As
a council, a valid body may be refused with 422 where the refusal depends on the caller or
the round's state (a ballot staff enter names its channel and the voter's code; a project
names districts the round has), which no schema can say. An import's body is a pabulib
file, a grammar JSON Schema cannot state: `positive_data_acceptance` skips that operation.

What JSON Schema cannot state, the server still refuses with 400, and the fuzzer's valid
bodies are made to respect it by `respecting_cross_field_rules` below (the rules are in
the schema's descriptions too): a minimum above its maximum, two districts of one name,
district budgets above the round's, two outcome priorities of one key, a schedule out of
phase order. A fairness document (`fairness.document`) is described as an object only: its
keys and their rules are in docs/fairness.md, and the fuzzer's valid bodies send an empty
one. docs/security.md ("The published schema describes what the server does") says the same.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, seed, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import allow_header_conformance, positive_data_acceptance
from sqlalchemy import Engine

from pbengine.api import create_app
from pbengine.core.phases import ORDER
from pbengine.store.database import make_engine, upgrade
from tests.conftest import POSTGRES_ADMIN, unavailable
from tests.integration.http import bearer

SEED = 20261204
EXAMPLES = 8
"""Per operation and database: about 900 requests in all, within the suite's time budget."""
SCENARIOS = 30
STEPS = 15
"""Stateful: scenarios per database, and calls in each (hypothesis' `stateful_step_count`)."""
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
    unsupported_method,
    allow_header_conformance,
    positive_data_acceptance,
]
IMPORT = "/api/v1/rounds/import"
"""Its body is a pabulib file: a grammar of its own, which JSON Schema cannot state, so a
valid-looking body may be refused (422, naming the line) and positive_data_acceptance
does not apply to it."""
LIMITS = ("length", "sum_cost", "points", "sum_points")

SQLITE = make_engine(f"sqlite:///{Path(tempfile.mkdtemp()) / 'fuzz.sqlite3'}")
PG_NAME = f"pbengine_fuzz_{uuid.uuid4().hex[:12]}"
PG_BASE = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
# Engines connect lazily: the database is made (and migrated) by the fixture below.
POSTGRES = make_engine(f"{PG_BASE}/{PG_NAME}")

on_sqlite = schemathesis.openapi.from_asgi("/schema/openapi.json", create_app(SQLITE))
on_postgres = schemathesis.openapi.from_asgi("/schema/openapi.json", create_app(POSTGRES))

AS_COUNCIL = SchemathesisConfig.from_dict(
    # A council's valid body may still be refused with 422 for who sends it or for the
    # round's state (a ballot staff enter names its channel and the voter's code; a patch
    # that leaves the district budgets above a new budget): never with 400.
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]
            }
        }
    }
)
council_on_sqlite = schemathesis.openapi.from_asgi(
    "/schema/openapi.json", create_app(SQLITE), config=AS_COUNCIL
)
council_on_postgres = schemathesis.openapi.from_asgi(
    "/schema/openapi.json", create_app(POSTGRES), config=AS_COUNCIL
)


def respecting_cross_field_rules(body: Any) -> Any:
    """A valid body, changed only where it breaks a rule across fields JSON Schema cannot
    state (each is refused with 400 naming the field; tests/integration/test_round_config.py)."""
    if isinstance(body, list):
        return [respecting_cross_field_rules(item) for item in body]
    if not isinstance(body, dict):
        return body
    body = {key: respecting_cross_field_rules(value) for key, value in body.items()}
    for limit in LIMITS:
        low, high = body.get(f"min_{limit}"), body.get(f"max_{limit}")
        if low is not None and high is not None and Fraction(str(low)) > Fraction(str(high)):
            body[f"min_{limit}"], body[f"max_{limit}"] = high, low
    if isinstance(body.get("document"), dict):
        body["document"] = {}
    if isinstance(body.get("schedule"), dict):
        planned = [phase for phase in (p.value for p in ORDER) if phase in body["schedule"]]
        body["schedule"] = dict(zip(planned, sorted(body["schedule"].values()), strict=True))
    if isinstance(body.get("outcomes"), list):
        body["outcomes"] = _unique_by(body["outcomes"], "key")
    if isinstance(body.get("districts"), list):
        body["districts"] = _districts(body["districts"], body.get("budget"))
        if any(d.get("budget") is not None for d in body["districts"]):
            body.pop("fairness", None)  # district pools cannot enforce floors or caps yet
    return body


def _unique_by(items: list[Any], key: str) -> list[Any]:
    return list(
        {item[key]: item for item in items if isinstance(item, dict) and key in item}.values()
    )


def _districts(districts: list[Any], budget: Any) -> list[Any]:
    unique = _unique_by(districts, "name")
    carved = sum(Fraction(str(d["budget"])) for d in unique if d.get("budget") is not None)
    if budget is None or carved > Fraction(str(budget)):
        unique = [{**d, "budget": None} for d in unique]
    return unique


def map_case(_: Any, case: Any) -> Any:
    if case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE:
        case.body = respecting_cross_field_rules(case.body)
    return case


for schema in (on_sqlite, on_postgres, council_on_sqlite, council_on_postgres):
    schema.hook(map_case)


@pytest.fixture(scope="module", autouse=True)
def databases() -> Iterator[None]:
    upgrade(SQLITE)
    try:
        admin = psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        unavailable(f"PostgreSQL not reachable at {POSTGRES_ADMIN}: {exc}".strip())
    admin.execute(f'CREATE DATABASE "{PG_NAME}"')
    upgrade(POSTGRES)
    try:
        yield
    finally:
        SQLITE.dispose()
        POSTGRES.dispose()
        admin.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
        admin.close()


def checks_for(case: Any) -> list[Any]:
    if case.operation.path == IMPORT:
        return [check for check in CHECKS if check is not positive_data_acceptance]
    return CHECKS


def fuzzed(case: Any) -> None:
    case.call_and_validate(checks=checks_for(case))


@on_sqlite.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@seed(SEED)
def test_the_schema_on_sqlite(case: Any) -> None:
    fuzzed(case)


@on_postgres.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@seed(SEED)
def test_the_schema_on_postgresql(case: Any) -> None:
    fuzzed(case)


def run_as_council(schema: Any, engine: Engine) -> None:
    token = bearer(engine, "council", f"fuzz-{uuid.uuid4().hex[:8]}")

    class Council(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": token}

        def validate_response(self, response: Any, case: Any, **_: Any) -> None:
            case.validate_response(response, checks=checks_for(case), headers=token)

    Council.run(
        settings=settings(
            max_examples=SCENARIOS,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
    )


def test_linked_operations_as_council_on_sqlite() -> None:
    run_as_council(council_on_sqlite, SQLITE)


def test_linked_operations_as_council_on_postgresql() -> None:
    run_as_council(council_on_postgres, POSTGRES)
