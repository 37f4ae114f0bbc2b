"""Proposing a project: a form, and a page confirming what the council will review."""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from litestar import Controller, Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath
from litestar.response import Template
from pydantic import ValidationError

from pbengine.core.phases import Phase
from pbengine.pages.deps import DEPENDENCIES, Lang, Work
from pbengine.pages.explain import N_, PHASES
from pbengine.pages.i18n import Language
from pbengine.pages.templating import page
from pbengine.service.errors import PUBLIC, ServiceError
from pbengine.service.proposals import ProposalIn, ProposalService
from pbengine.service.rounds import RoundService, RoundView

FIELDS = ("title", "description", "cost_estimate", "district", "categories", "outcomes")

# What a resident reads next to a field the service refused, by the field it names.
MESSAGES = {
    "title": N_("Give your project a name of up to 200 characters."),
    "description": N_("Describe your project in at most 10,000 characters."),
    "cost_estimate": N_("Write the cost as an amount above zero, such as 15000 or 1500.50."),
    "district": N_("Choose one of the districts in the list, or the whole city."),
    "categories": N_("Choose categories from the list."),
    "outcomes": N_("Choose at least one outcome priority your project serves."),
    "proposer": N_("Write a name of up to 200 characters, or leave it empty."),
}


class ProposePages(Controller):
    path = "/rounds/{round_id:int}/propose"
    dependencies = DEPENDENCIES
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def form(self, uow: Work, language: Lang, round_id: FromPath[int]) -> Template:
        view = RoundService(uow).view(round_id)
        return _form(view, language, {}, {})

    @post("/", status_code=200)
    async def submit(
        self, request: Request[Any, Any, Any], uow: Work, language: Lang, round_id: FromPath[int]
    ) -> Template:
        form = await request.form()
        values = _values(form)

        def work() -> Template:
            view = RoundService(uow).view(round_id)
            if view.phase is not Phase.PROPOSALS:
                return _form(view, language, values, {})
            errors: dict[str, str] = {}
            try:
                proposal = ProposalIn(**_proposal_fields(values))
                made = ProposalService(uow).propose(PUBLIC, round_id, proposal)
            except ValidationError as exc:
                errors = _validation_errors(exc, language)
            except ServiceError as exc:
                errors = {_field(exc.field): _message(exc.field, exc.problem, language)}
            if errors:
                return _form(view, language, values, errors, status=422)
            return page("proposed.html", language, round=view, phases=PHASES, project=made)

        return await to_thread.run_sync(work)


def _form(
    view: RoundView,
    language: Language,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Template:
    return page(
        "propose.html",
        language,
        status=status,
        round=view,
        phases=PHASES,
        values=values,
        errors=errors,
        open=view.phase is Phase.PROPOSALS,
    )


def _values(form: FormMultiDict) -> dict[str, Any]:
    return {
        "title": str(form.get("title") or "").strip(),
        "description": str(form.get("description") or "").strip(),
        "cost_estimate": str(form.get("cost_estimate") or "").strip().replace(" ", ""),
        "district": str(form.get("district") or ""),
        "categories": [str(c) for c in form.getall("categories", [])],
        "outcomes": [str(o) for o in form.getall("outcomes", [])],
        "proposer": str(form.get("proposer") or "").strip(),
    }


def _proposal_fields(values: dict[str, Any]) -> dict[str, Any]:
    return {
        **values,
        "district": values["district"] or None,
        "proposer": values["proposer"] or None,
    }


def _validation_errors(exc: ValidationError, language: Language) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        name = _field(str(error["loc"][0]) if error["loc"] else None)
        errors.setdefault(name, _message(name, str(error["msg"]), language))
    return errors


def _field(name: str | None) -> str:
    return name if name in MESSAGES else "form"


def _message(name: str | None, problem: str, language: Language) -> str:
    if name in MESSAGES:
        return language.translate(MESSAGES[name])
    return problem.removeprefix("Value error, ")
