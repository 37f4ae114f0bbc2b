"""Schemathesis over the published OpenAPI schema: every operation, fixed seed, on a SQLite
file and on PostgreSQL, checked for server errors, responses that break the schema, status
codes the schema does not document, content types, and 405s without `Allow`.

Two of schemathesis's checks are left out, for reasons named here rather than hidden
(issue 15 asks for them; docs/security.md lists them as open):
- `positive_data_acceptance` (ST202): the schema does not yet carry every constraint the
  server enforces (an amount's decimal format and bounds, `schedule`'s phase names, the
  refusal of unknown fields), so some schema-valid bodies are refused with 400/422;
- `allow_header_conformance` (ST205): Litestar answers OPTIONS on a path served by two
  controllers with the methods of one of them.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
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

from pbengine.api import create_app
from pbengine.store.database import make_engine, upgrade
from tests.conftest import POSTGRES_ADMIN, unavailable

SEED = 20261204
EXAMPLES = 8
"""Per operation and database: about 900 requests in all, within the suite's time budget."""
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
    unsupported_method,
]

SQLITE = make_engine(f"sqlite:///{Path(tempfile.mkdtemp()) / 'fuzz.sqlite3'}")
PG_NAME = f"pbengine_fuzz_{uuid.uuid4().hex[:12]}"
PG_BASE = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
# Engines connect lazily: the database is made (and migrated) by the fixture below.
POSTGRES = make_engine(f"{PG_BASE}/{PG_NAME}")

on_sqlite = schemathesis.openapi.from_asgi("/schema/openapi.json", create_app(SQLITE))
on_postgres = schemathesis.openapi.from_asgi("/schema/openapi.json", create_app(POSTGRES))


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


def fuzzed(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)


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
