"""What every page handler receives: the request's unit of work and language."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide
from sqlmodel import Session

from pbengine.pages.i18n import COOKIE, Language, choose
from pbengine.service.errors import Principal
from pbengine.service.identity import principal_throttled
from pbengine.service.throttle import APP_STATE_KEY, Throttle, Throttles
from pbengine.store.unit_of_work import UnitOfWork

Work = NamedDependency[UnitOfWork]
Lang = NamedDependency[Language]
Identify = NamedDependency[Callable[[str], Principal]]
"""Who holds a code a resident typed; too many unknown ones from one address are refused."""
Ballots = NamedDependency[Throttle]
"""The ballots a code stored lately: the API's throttle, so both ways count together."""

# A year: a resident who chose a language should not have to choose it again each round.
COOKIE_SECONDS = 365 * 24 * 3600


def provide_unit_of_work(session: NamedDependency[Session]) -> UnitOfWork:
    # The app's per-request session (closed, and so rolled back if uncommitted, at the end);
    # each service call commits or rolls back within it.
    return UnitOfWork(session)


def provide_identify(request: Request[Any, Any, Any], uow: Work) -> Callable[[str], Principal]:
    throttles: Throttles = request.app.state[APP_STATE_KEY]
    client = request.client.host if request.client else "unknown"
    return partial(principal_throttled, uow, wrong_codes=throttles.codes, client=client)


def provide_ballots(request: Request[Any, Any, Any]) -> Throttle:
    throttles: Throttles = request.app.state[APP_STATE_KEY]
    return throttles.ballots


def provide_language(request: Request[Any, Any, Any]) -> Language:
    asked = request.query_params.get("lang")
    cookie = request.cookies.get(COOKIE)
    code = choose(asked, cookie, request.headers.get("accept-language"))
    return Language(code, remember=asked == code and cookie != code)


def language_cookie(language: Language) -> Cookie:
    """A language chosen with `?lang=`, kept for the pages that follow."""
    return Cookie(key=COOKIE, value=language.code, max_age=COOKIE_SECONDS, samesite="lax", path="/")


DEPENDENCIES = {
    "uow": Provide(provide_unit_of_work, sync_to_thread=False),
    "language": Provide(provide_language, sync_to_thread=False),
    "identify": Provide(provide_identify, sync_to_thread=False),
    "ballots": Provide(provide_ballots, sync_to_thread=False),
}
