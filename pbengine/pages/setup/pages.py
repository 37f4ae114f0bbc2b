"""Setting up a round: the new round's form, a round's set-up page and its pre-flight report."""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import CacheControlHeader, FormMultiDict
from litestar.params import FromPath
from litestar.response import Redirect, Template
from pydantic import ValidationError

from pbengine.pages.deps import Lang, Work
from pbengine.pages.explain import N_
from pbengine.pages.i18n import Language
from pbengine.pages.setup import form as setup_form
from pbengine.pages.setup import problems
from pbengine.pages.setup.render import new_page, report_page, setup_page
from pbengine.pages.staff.posting import on_form, refused_or_on
from pbengine.pages.staff.session import Staff
from pbengine.service.config import RoundConfig, RoundPatch
from pbengine.service.errors import ConflictError, ForbiddenError, InvalidError
from pbengine.service.rounds import RoundService, RoundView
from pbengine.service.sign_in import StaffSession

NOTICES = {
    "created": N_(
        "The round is created, in preparation. Residents do not see it until it opens for "
        "proposals."
    ),
    "saved": N_("The settings are saved. The pre-flight check below is of the saved settings."),
}


class SetupPages(Controller):
    path = "/staff/rounds"
    include_in_schema = False

    @get("/new", sync_to_thread=False)
    def new(self, language: Lang, staff: Staff) -> Template:
        return new_page(language, staff, setup_form.defaults(), {})

    @post("/new", status_code=303)
    async def create(
        self, request: Request[Any, Any, Any], uow: Work, language: Lang, staff: Staff
    ) -> Template | Redirect:
        def work(form: FormMultiDict) -> Template | Redirect:
            values = setup_form.posted(form)
            values["settings"] = True
            try:
                config = RoundConfig.model_validate(setup_form.config_data(values))
                made = RoundService(uow).create(staff.principal, config)
            except ValidationError as exc:
                errors = problems.from_validation(exc, language)
                return new_page(language, staff, values, errors, status=422)
            except (InvalidError, ForbiddenError) as exc:
                errors = problems.from_service(exc, language)
                return new_page(language, staff, values, errors, status=exc.status)
            return Redirect(f"/staff/rounds/{made.id}/setup?notice=created", status_code=303)

        return await on_form(request, staff, work)

    @get("/{round_id:int}/setup", sync_to_thread=True)
    def setup(
        self,
        request: Request[Any, Any, Any],
        uow: Work,
        language: Lang,
        staff: Staff,
        round_id: FromPath[int],
    ) -> Template:
        service = RoundService(uow)
        view = service.own_view(staff.principal, round_id)
        notice = NOTICES.get(request.query_params.get("notice") or "")
        values = setup_form.of_config(view.config)
        return setup_page(service, language, staff, view, values, notice=notice)

    @post("/{round_id:int}/setup", status_code=303)
    async def save(
        self,
        request: Request[Any, Any, Any],
        uow: Work,
        language: Lang,
        staff: Staff,
        round_id: FromPath[int],
    ) -> Template | Redirect:
        def work(form: FormMultiDict) -> Template | Redirect:
            values = setup_form.posted(form)
            service = RoundService(uow)
            view = service.own_view(staff.principal, round_id)
            errors, status = _save(service, staff, view, values, language)
            return refused_or_on(
                (status, problems.on_page(errors, bool(view.frozen))),
                partial(setup_page, service, language, staff, view, values),
                f"/staff/rounds/{round_id}/setup?notice=saved",
            )

        return await on_form(request, staff, work)

    @get(
        "/{round_id:int}/setup/preflight",
        sync_to_thread=True,
        cache_control=CacheControlHeader(no_store=True),
    )
    def preflight(
        self, uow: Work, language: Lang, staff: Staff, round_id: FromPath[int]
    ) -> Template:
        service = RoundService(uow)
        view = service.own_view(staff.principal, round_id)
        return report_page(service, language, staff, view)


def _save(
    service: RoundService,
    staff: StaffSession,
    view: RoundView,
    values: setup_form.Values,
    language: Language,
) -> tuple[problems.Errors, int]:
    """Store the form's changes; what was refused, by control, and the status (none: stored)."""
    changes = setup_form.config_data(values, view.config)
    try:
        service.update(staff.principal, view.id, RoundPatch.model_validate(changes))
    except (ValidationError, InvalidError) as exc:
        # The service names the first problem; the whole configuration shows them all.
        every = _every_problem(view, changes, language) or (
            problems.from_validation(exc, language)
            if isinstance(exc, ValidationError)
            else problems.from_service(exc, language)
        )
        return every, 422
    except ConflictError as exc:  # a frozen setting, or a name a project still uses
        return problems.refused_change(exc, bool(view.frozen), language), exc.status
    return {}, 200


def _every_problem(view: RoundView, changes: dict[str, Any], language: Language) -> problems.Errors:
    try:
        RoundConfig.model_validate({**view.config.model_dump(mode="json"), **changes})
    except ValidationError as exc:
        return problems.from_validation(exc, language)
    return {}
