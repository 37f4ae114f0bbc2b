"""`/staff/rounds/{id}/volunteers`: who offered to help deliver each project, with how to
reach them (the council's only), and whether they took part.

Contacts are personal data the round's record never holds: neither this page nor the
answer to its form is kept by any cache (`Cache-Control: no-store`).
"""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.datastructures import FormMultiDict, ResponseHeader
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from pydantic import ValidationError

from pbengine.pages.aftervote.common import FORM, first_field, read, shown, whole
from pbengine.pages.council.refusals import message_for, raise_unless_shown
from pbengine.pages.deps import Lang, Work
from pbengine.pages.explain import N_, PHASES
from pbengine.pages.i18n import Language
from pbengine.pages.staff.posting import Answer, on_form, refused_or_on
from pbengine.pages.staff.session import Staff
from pbengine.pages.templating import page
from pbengine.service.codelivery import CoDeliveryService, TookPartIn, VolunteerForCouncil
from pbengine.service.errors import ServiceError
from pbengine.service.proposals import ProposalService
from pbengine.service.rounds import RoundService
from pbengine.store.unit_of_work import UnitOfWork

NO_STORE = [ResponseHeader(name="Cache-Control", value="no-store")]
KINDS = {"resident": N_("a resident"), "organisation": N_("an organisation")}
MESSAGES = {
    "took_part": N_("Choose whether they took part: yes or no."),
    "note": N_("Write a note of up to 1,000 characters."),
}


class VolunteerPages(Controller):
    path = "/staff/rounds/{round_id:int}/volunteers"
    include_in_schema = False

    @get("/", sync_to_thread=True, response_headers=NO_STORE)
    def listing(
        self,
        uow: Work,
        language: Lang,
        staff: Staff,
        round_id: FromPath[int],
        saved: FromQuery[int | None] = None,
    ) -> Template:
        return _render(uow, language, staff, round_id, saved=saved)

    @post("/", status_code=303, response_headers=NO_STORE)
    async def took_part(
        self,
        request: Request[Any, Any, Any],
        uow: Work,
        language: Lang,
        staff: Staff,
        round_id: FromPath[int],
    ) -> Template | Redirect:
        def work(form: FormMultiDict) -> Answer:
            posted = read(form, ("volunteer", "took_part", "note"))
            done = urlencode({"saved": posted["volunteer"]})
            return refused_or_on(
                _mark(uow, staff, round_id, posted, language),
                partial(_render, uow, language, staff, round_id, posted=posted),
                f"/staff/rounds/{round_id}/volunteers?{done}#volunteer-{posted['volunteer']}",
            )

        return await on_form(request, staff, work)


def _mark(
    uow: UnitOfWork, staff: Staff, round_id: int, posted: dict[str, str], language: Language
) -> tuple[int, dict[str, str]]:
    number = posted["volunteer"]
    ids = {f: f"{f.replace('_', '-')}-{number}" for f in ("took_part", "note")}
    answer = {"yes": True, "no": False}.get(posted["took_part"])
    if answer is None:
        return 422, {ids["took_part"]: language.translate(MESSAGES["took_part"])}
    try:
        mark = TookPartIn(took_part=answer, note=posted["note"])
        # A number that is no volunteer of the round: the service's 404, as for the API.
        volunteer = whole(number)
        CoDeliveryService(uow).took_part(staff.principal, round_id, volunteer, mark)
    except ValidationError as exc:
        field = first_field(exc)
        return 422, shown(field, str(exc), fields=ids, messages=MESSAGES, language=language)
    except ServiceError as exc:
        raise_unless_shown(exc)
        return exc.status, {FORM: message_for(None, exc.problem, {}, language)}
    return 200, {}


def _render(
    uow: UnitOfWork,
    language: Language,
    staff: Staff,
    round_id: int,
    *,
    errors: dict[str, str] | None = None,
    posted: dict[str, str] | None = None,
    saved: int | None = None,
    status: int = 200,
) -> Template:
    view = RoundService(uow).own_view(staff.principal, round_id)
    volunteers = CoDeliveryService(uow).volunteers(staff.principal, round_id)
    titles = {p.id: p.title for p in ProposalService(uow).listing(staff.principal, round_id)}
    return page(
        "aftervote/volunteers.html",
        language,
        status=status,
        staff=staff,
        round=view,
        phases=PHASES,
        projects=_by_project(volunteers),
        titles=titles,
        kinds=KINDS,
        saved=saved,
        errors=errors or {},
        posted=posted or {},
    )


def _by_project(
    volunteers: list[VolunteerForCouncil],
) -> dict[str, list[VolunteerForCouncil]]:
    grouped: dict[str, list[VolunteerForCouncil]] = {}
    for v in volunteers:
        grouped.setdefault(v.project, []).append(v)
    return grouped
