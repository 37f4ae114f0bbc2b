"""The pages run on the integration tests' databases: SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine

from pbengine.web import create_app
from tests.integration.conftest import engine, postgres_url
from tests.pages.hosts import check_page

__all__ = ["client", "engine", "postgres_url"]


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient[Litestar]]:
    # Every page any test fetches is checked for addresses of other hosts.
    with TestClient(create_app(engine)) as client:
        client.event_hooks = {"request": [], "response": [check_page]}
        yield client
