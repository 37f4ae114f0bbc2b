"""The pages and a dead token: a staff session ends when its token expires, an expired
token cannot sign in again, and an Authorization header sent to a page is not the API's
business (a page is never refused for it)."""

from __future__ import annotations

import time

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine

from tests.integration.test_tokens import change, made

Client = TestClient[Litestar]


def test_a_staff_session_ends_when_its_token_expires(client: Client, engine: Engine) -> None:
    secret, token_id = made(engine)
    signed_in = client.post("/staff/sign-in", data={"token": secret}, follow_redirects=False)
    assert signed_in.status_code == 303
    assert client.get("/staff", follow_redirects=False).status_code == 200
    change(engine, token_id, expires_at=int(time.time()) - 1)
    assert client.get("/staff", follow_redirects=False).status_code in (302, 303)
    again = client.post("/staff/sign-in", data={"token": secret}, follow_redirects=False)
    assert again.status_code == 401
    # The same token on the API: refused there too, on a public route as well.
    dead = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/rounds", headers=dead).status_code == 401
    # A page does not look at the header: the resident's pages stay open to the browser.
    assert client.get("/", headers=dead).status_code == 200
