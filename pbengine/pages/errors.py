"""Refusals as pages: a person reads what went wrong in their language, never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError

from pbengine.pages.deps import provide_language
from pbengine.pages.explain import N_
from pbengine.pages.templating import page
from pbengine.service.errors import NotFoundError, ServiceError
from pbengine.service.throttle import ThrottledError

logger = logging.getLogger("pbengine.pages")

NOT_FOUND = N_("There is no such page or round here.")
BUSY = N_("The site is busy. Nothing was stored; please try again in a moment.")
FAILED = N_("Something went wrong on our side. It has been logged; please try again later.")
REFUSED = N_("This request could not be handled.")
TOO_MANY = N_(
    "Too many codes that do not exist were typed from here. Please wait a few minutes, then "
    "type your code again."
)


def _page(request: Request[Any, Any, Any], status: int, message: str) -> Response[Any]:
    language = provide_language(request)
    return page("error.html", language, status=status, message=language.translate(message))


def _service(request: Request[Any, Any, Any], exc: ServiceError) -> Response[Any]:
    if isinstance(exc, NotFoundError):
        return _page(request, 404, NOT_FOUND)
    if isinstance(exc, ThrottledError):
        response = _page(request, 429, TOO_MANY)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    logger.info("%s %s refused: %d %s", request.method, request.url.path, exc.status, exc.problem)
    return _page(request, exc.status, REFUSED)


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    return _page(request, exc.status_code, NOT_FOUND if exc.status_code == 404 else REFUSED)


def _busy(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.warning("%s %s: database busy (%s)", request.method, request.url.path, exc)
    return _page(request, 503, BUSY)


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return _page(request, 500, FAILED)


HANDLERS: ExceptionHandlersMap = {
    ServiceError: _service,
    HTTPException: _http,
    OperationalError: _busy,
    SQLAlchemyTimeoutError: _busy,
    Exception: _unexpected,
}
