"""Staff in the tests' browsers: a token, signed in through the sign-in page."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from pbengine.store.tokens import create_token
from tests.pages.rounds import STAFF

Client = TestClient[Litestar]


def token(engine: Engine, role: str = "council", council: str | None = None, name: str = "") -> str:
    with Session(engine) as session:
        secret = create_token(
            session, role=role, council=council or STAFF.council or "", label=name
        )
        session.commit()
    return secret


def sign_in(client: Client, engine: Engine, role: str = "council", name: str = "clerk") -> str:
    """Sign `client` in as a new token's holder (of the test rounds' council)."""
    response = client.post(
        "/staff/sign-in", data={"token": token(engine, role, name=name)}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


def csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)
