"""Who is calling: bearer tokens resolve to a Principal; no token means the public."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency
from sqlmodel import Session

from pbengine.service.rounds import PUBLIC, Principal, ServiceError
from pbengine.store.tokens import find_token


class UnauthorizedError(ServiceError):
    status = 401


def principal_of(request: Request[Any, Any, Any], session: NamedDependency[Session]) -> Principal:
    header = request.headers.get("authorization")
    if header is None:
        return PUBLIC
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise UnauthorizedError(
            "the Authorization header must be 'Bearer <token>'", "authorization"
        )
    token = find_token(session, secret.strip())
    if token is None:
        raise UnauthorizedError("unknown or revoked token", "authorization")
    return Principal(role=token.role, council=token.council)
