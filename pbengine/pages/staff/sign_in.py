"""Signing in and out, and the staff's start page: the rounds of their council."""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from pbengine.pages.deps import Lang, Work
from pbengine.pages.explain import PHASES
from pbengine.pages.staff.session import (
    COOKIE,
    Staff,
    safe_next,
    session_cookie,
    staff_form,
)
from pbengine.pages.templating import page
from pbengine.service.errors import UnauthorizedError
from pbengine.service.rounds import RoundService
from pbengine.service.sign_in import SignInService


class SignInPages(Controller):
    path = "/staff"
    include_in_schema = False

    @get("/sign-in", sync_to_thread=False)
    def form(self, request: Request[Any, Any, Any], language: Lang) -> Template:
        target = safe_next(request.query_params.get("next"))
        return page("staff/sign_in.html", language, next=target, error=False)

    @post("/sign-in", status_code=303)
    async def sign_in(
        self, request: Request[Any, Any, Any], uow: Work, language: Lang
    ) -> Template | Redirect:
        form = await request.form()
        target = safe_next(form.get("next"))
        try:
            grant = await to_thread.run_sync(SignInService(uow).sign_in, form.get("token") or "")
        except UnauthorizedError:
            return page("staff/sign_in.html", language, status=401, next=target, error=True)
        return Redirect(target, status_code=303, cookies=[session_cookie(request, grant)])

    @post("/sign-out", status_code=303)
    async def sign_out(self, request: Request[Any, Any, Any], uow: Work, staff: Staff) -> Redirect:
        await staff_form(request, staff)
        await to_thread.run_sync(SignInService(uow).sign_out, request.cookies[COOKIE])
        return Redirect("/", status_code=303, cookies=[session_cookie(request, None)])

    @get("/", sync_to_thread=True)
    def home(self, uow: Work, language: Lang, staff: Staff) -> Template:
        rounds = RoundService(uow).all_rounds()
        principal = staff.principal
        # Staff and auditors alike see only the rounds of the council their token names.
        mine = [r for r in rounds if r.council == principal.council]
        return page("staff/home.html", language, staff=staff, rounds=mine, phases=PHASES)
