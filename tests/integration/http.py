"""Helpers for tests that drive the real app over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from pbengine.api import create_app
from pbengine.store.tokens import create_token

Client = TestClient[Litestar]


@contextmanager
def running_app(engine: Engine, max_body: int = 2_000_000) -> Iterator[Client]:
    with TestClient(create_app(engine, max_body=max_body)) as client:
        yield client


def bearer(engine: Engine, role: str, council: str, name: str = "") -> dict[str, str]:
    with Session(engine) as session:
        secret = create_token(session, role=role, council=council, label=name)
        session.commit()
    return {"Authorization": f"Bearer {secret}"}


def as_voter(code: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {code}"}


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def refused(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    """A refusal: the status, and a JSON body naming the field and the problem."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["problem"]
    if field is not None:
        assert body["field"] == field, body
    return body
