"""The app's throttles (service/throttle.py) as the API's routes use them."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from pbengine.service.throttle import APP_STATE_KEY, Throttles
from pbengine.store.tokens import is_token


def throttles_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Throttles:
    found: Throttles = connection.app.state[APP_STATE_KEY]
    return found


def client_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The client's address (behind a proxy, as the server is told to trust: README)."""
    return connection.client.host if connection.client else "unknown"


def is_staff(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """Sent with a token: staff and auditors are not throttled (the token itself is checked
    later; a wrong one is refused as unknown)."""
    _, _, secret = (connection.headers.get("authorization") or "").partition(" ")
    return is_token(secret.strip())


def anonymous_proposals(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """A guard: proposals without a token count against the client's address."""
    if is_staff(connection):
        return
    proposals = throttles_of(connection).proposals
    client = client_of(connection)
    proposals.check(client)
    proposals.count(client)
