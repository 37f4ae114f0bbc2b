"""`/staff/rounds/{id}/allocation`: run the round's declared rule, read what it funds and
the equalities report exactly as residents will, then publish.

Before an allocation the page says whether it can run and offers the button; after one,
it shows the residents' results page (templates/results.html, with the same context) in
the staff's frame, with the publish form under it.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath
from litestar.response import Redirect, Template

from pbengine.core.phases import Phase, can_allocate
from pbengine.pages.council.refusals import (
    FORM,
    back,
    in_phase,
    message_for,
    raise_unless_shown,
)
from pbengine.pages.deps import Lang, Work
from pbengine.pages.explain import N_, PHASES
from pbengine.pages.i18n import Language
from pbengine.pages.results import results_context
from pbengine.pages.staff.posting import on_form
from pbengine.pages.staff.session import Staff
from pbengine.pages.templating import page
from pbengine.service.errors import ConflictError, ServiceError
from pbengine.service.results import ResultsService
from pbengine.service.rounds import RoundService, RoundView
from pbengine.store.unit_of_work import UnitOfWork

NOT_CLOSED = N_(
    "The allocation runs once voting has closed; this round is in the phase: %(phase)s."
)
NOT_ALLOCATED = N_(
    "Only a counted round, not yet published, can be published; this round is in the "
    "phase: %(phase)s."
)
CONFIRM = N_("Tick the box to confirm that you have read the results and the report.")


class AllocationPages(Controller):
    path = "/staff/rounds/{round_id:int}/allocation"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def show(self, uow: Work, language: Lang, staff: Staff, round_id: FromPath[int]) -> Template:
        return _page(uow, language, staff, round_id, {})

    @get(["/run", "/publish"], sync_to_thread=False)
    def back_to_page(self, request: Request[Any, Any, Any], round_id: FromPath[int]) -> Redirect:
        """An action's answer asked for again (its language switch, a bookmark): the page."""
        return Redirect(back(request, f"/staff/rounds/{round_id}/allocation"))

    @post("/run", status_code=303)
    async def run(
        self,
        request: Request[Any, Any, Any],
        uow: Work,
        language: Lang,
        staff: Staff,
        round_id: FromPath[int],
    ) -> Template | Redirect:
        def work(_: FormMultiDict) -> Template | Redirect:
            try:
                # A rule may run for a while: the page waits, as the API's caller does.
                ResultsService(uow).allocate(staff.principal, round_id)
            except ServiceError as exc:
                return _refused(uow, language, staff, round_id, exc=exc, wrong_phase=NOT_CLOSED)
            return Redirect(f"/staff/rounds/{round_id}/allocation", status_code=303)

        return await on_form(request, staff, work)

    @post("/publish", status_code=303)
    async def publish(
        self,
        request: Request[Any, Any, Any],
        uow: Work,
        language: Lang,
        staff: Staff,
        round_id: FromPath[int],
    ) -> Template | Redirect:
        def work(form: FormMultiDict) -> Template | Redirect:
            confirmed = form.get("confirm") == "yes"
            if not confirmed:
                errors = {"confirm": language.translate(CONFIRM)}
                return _page(uow, language, staff, round_id, errors, status=422)
            try:
                RoundService(uow).change_phase(staff.principal, round_id, Phase.PUBLISHED)
            except ServiceError as exc:
                return _refused(uow, language, staff, round_id, exc=exc, wrong_phase=NOT_ALLOCATED)
            return Redirect(f"/staff/rounds/{round_id}/allocation", status_code=303)

        return await on_form(request, staff, work)


def _refused(
    uow: UnitOfWork,
    language: Language,
    staff: Staff,
    round_id: int,
    *,
    exc: ServiceError,
    wrong_phase: str,
) -> Template:
    raise_unless_shown(exc)
    if exc.field == "phase":
        view = RoundService(uow).own_view(staff.principal, round_id)
        problem = in_phase(wrong_phase, view, language)
    else:
        problem = message_for(exc.field, exc.problem, {}, language)
    return _page(uow, language, staff, round_id, {FORM: problem}, status=exc.status)


def _page(
    uow: UnitOfWork,
    language: Language,
    staff: Staff,
    round_id: int,
    errors: dict[str, str],
    *,
    status: int = 200,
) -> Template:
    view = RoundService(uow).own_view(staff.principal, round_id)
    common: dict[str, Any] = {"staff": staff, "round": view, "phases": PHASES, "errors": errors}
    try:
        report = ResultsService(uow).results(staff.principal, round_id)
    except ConflictError:
        return page(
            "council/allocation.html",
            language,
            status=status,
            can_run=can_allocate(view.phase),
            not_closed=_not_closed(view, language),
            **common,
        )
    return page(
        "council/allocation_results.html",
        language,
        status=status,
        **common,
        **results_context(report, language),
    )


def _not_closed(view: RoundView, language: Language) -> str | None:
    if can_allocate(view.phase):
        return None
    return in_phase(NOT_CLOSED, view, language)
