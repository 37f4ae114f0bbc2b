"""Who is calling: a bearer secret names staff, an auditor or a resident; none, the public."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency
from sqlmodel import Session

from pbengine.api.throttles import client_of, throttles_of
from pbengine.service.errors import PUBLIC, Principal, UnauthorizedError
from pbengine.service.identity import principal_throttled


def principal_of(request: Request[Any, Any, Any], session: NamedDependency[Session]) -> Principal:
    header = request.headers.get("authorization")
    if header is None:
        return PUBLIC
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise UnauthorizedError(
            "the Authorization header must be 'Bearer <token or voter code>'", "authorization"
        )
    # The lookup ends its read transaction before returning: the handler may run on
    # another worker thread, and a transaction left open across that hop would hold its
    # connection (and on SQLite its snapshot) while the request waits for a thread.
    wrong_codes = throttles_of(request).codes
    return principal_throttled(session, secret.strip(), wrong_codes, client_of(request))
