"""The signed-in staff member or auditor of a page, from the session cookie.

Every page under /staff (and the auditor's download) depends on `staff`: a
browser without an open session is sent to the sign-in page and comes back
after. Every form such a page posts goes through `staff_form`, which checks
the session's CSRF token and that the form came from this site.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from litestar import Request, Response
from litestar.datastructures import Cookie, FormMultiDict
from litestar.di import NamedDependency, Provide
from litestar.response import Redirect

from pbengine.pages.deps import DEPENDENCIES
from pbengine.service.errors import ForbiddenError
from pbengine.service.sign_in import Grant, SignInService, StaffSession
from pbengine.store.unit_of_work import UnitOfWork

COOKIE = "pbe_staff"
SIGN_IN = "/staff/sign-in"

Staff = NamedDependency[StaffSession]
SignedIn = NamedDependency[StaffSession | None]


class NotSignedInError(Exception):
    """No open session: the handler below answers with the sign-in page's address."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to


def provide_staff(
    request: Request[Any, Any, Any], uow: NamedDependency[UnitOfWork]
) -> StaffSession:
    secret = request.cookies.get(COOKIE)
    found = SignInService(uow).session(secret) if secret else None
    if found is None:
        back = request.url.path if request.method == "GET" else _referring_path(request)
        raise NotSignedInError(back)
    return found


def provide_optional_staff(
    request: Request[Any, Any, Any], uow: NamedDependency[UnitOfWork]
) -> StaffSession | None:
    """For a public page that shows more to whoever is signed in."""
    secret = request.cookies.get(COOKIE)
    return SignInService(uow).session(secret) if secret else None


def sign_in_required(request: Request[Any, Any, Any], exc: NotSignedInError) -> Response[Any]:
    return Redirect(f"{SIGN_IN}?{urlencode({'next': exc.back_to})}", status_code=303)


async def staff_form(request: Request[Any, Any, Any], staff: StaffSession) -> FormMultiDict:
    """The posted form, once it has shown that this site's page, in this session, sent it."""
    origin = request.headers.get("origin")
    if origin is not None and origin != "null" and urlsplit(origin).netloc != request.url.netloc:
        raise ForbiddenError("this form was sent from another site", "origin")
    form = await request.form()
    staff.check_form(form.get("csrf"))
    return form


def session_cookie(request: Request[Any, Any, Any], grant: Grant | None) -> Cookie:
    """The cookie that keeps a session (or, with no grant, ends it in the browser)."""
    return Cookie(
        key=COOKIE,
        value=grant.secret if grant else "",
        max_age=grant.max_age if grant else 0,
        path="/",
        httponly=True,
        # Strict: no other site's link or form ever carries a staff session along.
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path on this site, never another host."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        # A line break would end the Location header: never echo one back.
        and target.isprintable()
    ):
        return target
    return "/staff"


def _referring_path(request: Request[Any, Any, Any]) -> str:
    referer = request.headers.get("referer")
    return safe_next(urlsplit(referer).path if referer else None)


STAFF_DEPENDENCIES = {
    **DEPENDENCIES,
    "staff": Provide(provide_staff, sync_to_thread=True),
    "signed_in": Provide(provide_optional_staff, sync_to_thread=True),
}
