"""One place where failures become HTTP responses: a JSON body naming the field and the problem."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError

from pbengine.formats.pabulib import PabulibError
from pbengine.service.errors import ServiceError
from pbengine.service.throttle import ThrottledError


def error_body(status: int, problem: str, field: str | None, **extra: Any) -> dict[str, Any]:
    return {"status": status, "field": field, "problem": problem, **extra}


def service_error(_: Request[Any, Any, Any], exc: ServiceError) -> Response[dict[str, Any]]:
    extra = {"problems": exc.details} if exc.details else {}
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, ThrottledError) else None
    body = error_body(exc.status, exc.problem, exc.field, **extra)
    return Response(body, status_code=exc.status, headers=headers)


def pabulib_error(_: Request[Any, Any, Any], exc: PabulibError) -> Response[dict[str, Any]]:
    return Response(error_body(422, exc.message, "body", line=exc.line), status_code=422)


def validation_error(
    _: Request[Any, Any, Any], exc: ValidationException
) -> Response[dict[str, Any]]:
    details = exc.extra if isinstance(exc.extra, list) else []
    first = details[0] if details and isinstance(details[0], dict) else {}
    field = first.get("key") or "body"
    problem = _plain(str(first.get("message") or exc.detail))
    return Response(error_body(400, problem, str(field), details=details), status_code=400)


def _plain(message: str) -> str:
    # pydantic prefixes the messages of our own validators; residents need only the message.
    return message.removeprefix("Value error, ")


def http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    # Framework-level refusals (malformed JSON, body too large, unknown route) concern the
    # request as a whole.
    field = "body" if exc.status_code in (400, 413) else None
    body = error_body(exc.status_code, exc.detail, field)
    # A 405 must say which methods the route takes (`Allow`, RFC 9110); keep what it set.
    return Response(body, status_code=exc.status_code, headers=exc.headers)


def database_busy(
    _: Request[Any, Any, Any], exc: OperationalError | SQLAlchemyTimeoutError
) -> Response[dict[str, Any]]:
    # A lock held past the busy timeout, a pool with no free connection, a server that
    # went away: the request stored nothing and can be sent again, so say when.
    problem = "the database is busy or unreachable; nothing was stored, send it again shortly"
    return Response(error_body(503, problem, None), status_code=503, headers={"Retry-After": "2"})


def out_of_range(_: Request[Any, Any, Any], exc: OverflowError | DataError) -> Response[Any]:
    # The last line of defence: every field is bounded where it enters, but a number the
    # database cannot hold (an id past 2**63 in a path, say) must not become a 500.
    problem = "a number in the request is larger than pbengine stores; nothing was stored"
    return Response(error_body(422, problem, None), status_code=422)


HANDLERS: ExceptionHandlersMap = {
    OverflowError: out_of_range,
    DataError: out_of_range,
    OperationalError: database_busy,
    SQLAlchemyTimeoutError: database_busy,
    ServiceError: service_error,
    PabulibError: pabulib_error,
    ValidationException: validation_error,
    HTTPException: http_error,
}
