"""Who is calling: a bearer secret names staff, an auditor or a resident; none, the public.

A credential that is sent is checked on every route of the API, public ones included: an
expired, revoked or unknown one is refused there too (401, field `authorization`), so a
client learns at once that its token is dead instead of being served as the public. A
request without an Authorization header is the public's, and costs no lookup.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from anyio import to_thread
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy import Engine
from sqlmodel import Session

from pbengine.api.throttles import client_of, throttles_of
from pbengine.service.errors import PUBLIC, Principal, UnauthorizedError
from pbengine.service.identity import principal_throttled

API_PREFIX = "/api/"
"""The routes whose callers are checked by `credentials_checked`; /health, /ready, the
published keys and the schema serve everyone the same, and do not look."""
CALLER = "caller"
"""The dependency a route takes its caller by (api/app.py provides it by principal_of)."""
IDENTIFIED_BY_HANDLER = frozenset({("POST", "/api/v1/rounds/{round_id}/ballots")})
"""Routes whose handler calls principal_of itself (api/voting.py: a ballot looks its caller
up on its handler's thread). Looking the caller up here as well cost a ballot a thread hop
and a connection: on SQLite, a third of the ballots per second (bench/intake.py)."""
_PRINCIPAL = "pbengine.principal"
"""Where the guard leaves the caller it found, for the handler's lookup to reuse."""

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


def principal_of(request: Request[Any, Any, Any], session: NamedDependency[Session]) -> Principal:
    found: Principal | None = request.state.get(_PRINCIPAL)
    if found is not None:
        return found
    secret = bearer_secret(request)
    if secret is None:
        return PUBLIC
    # The lookup ends its read transaction before returning: the handler may run on
    # another worker thread, and a transaction left open across that hop would hold its
    # connection (and on SQLite its snapshot) while the request waits for a thread.
    wrong_codes = throttles_of(request).codes
    return principal_throttled(session, secret, wrong_codes, client_of(request))


def bearer_secret(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The secret the Authorization header holds; None without one."""
    header = connection.headers.get("authorization")
    if header is None:
        return None
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise UnauthorizedError(
            "the Authorization header must be 'Bearer <token or voter code>'", "authorization"
        )
    return secret.strip()


def credentials_checked(engine: Engine) -> Guard:
    """A guard for the whole app: the credential a request to the API sends is looked up
    (and its caller kept for the handler) before any route runs."""

    async def guard(
        connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
    ) -> None:
        if not connection.url.path.startswith(API_PREFIX):
            return
        secret = bearer_secret(connection)
        if secret is None or _identifies_caller_itself(connection, handler):
            return
        wrong_codes = throttles_of(connection).codes
        client = client_of(connection)

        def look_up() -> Principal:
            # A session of its own, closed before the thread is given back: no connection
            # is held while the request waits for the handler's thread.
            with Session(engine) as session:
                return principal_throttled(session, secret, wrong_codes, client)

        connection.state[_PRINCIPAL] = await to_thread.run_sync(look_up)

    return guard


def _identifies_caller_itself(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> bool:
    """The route looks the credential up itself (principal_of): by taking its `caller`, or
    in its handler."""
    if CALLER in handler.parsed_fn_signature.parameters:
        return True
    scope: dict[str, Any] = dict(connection.scope)
    return (scope.get("method"), scope.get("path_template")) in IDENTIFIED_BY_HANDLER
