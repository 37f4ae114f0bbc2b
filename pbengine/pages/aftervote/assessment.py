"""`/staff/rounds/{id}/assessment`: issue assessment codes, read the residents' assessment
summed up, and write (or replace) the council's public answer on each project.

The codes exist in clear only in the answer to the form: the service stores their digests,
so that answer is never cached (`Cache-Control: no-store`) and is not a page to come back
to. An answer that holds leads back to the page (303) at its project.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.datastructures import FormMultiDict, ResponseHeader
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from pydantic import ValidationError

from pbengine.pages.aftervote.common import FORM, anchor, read, shown, whole
from pbengine.pages.aftervote.summary import NO_CODES, render
from pbengine.pages.council.refusals import in_phase, raise_unless_shown
from pbengine.pages.deps import Lang, Work
from pbengine.pages.explain import N_, PHASES
from pbengine.pages.i18n import Language
from pbengine.pages.staff.posting import Answer, on_form
from pbengine.pages.staff.session import Staff
from pbengine.pages.templating import page
from pbengine.service.assessment import AssessmentService
from pbengine.service.assessment_replies import AnswerIn, AssessmentCodesIn
from pbengine.service.errors import ServiceError
from pbengine.service.rounds import RoundService
from pbengine.store.unit_of_work import UnitOfWork

PER_SHEET = 500
MESSAGES = {
    "count": N_("Write how many codes to issue: a whole number from 1 to 500."),
    "district": N_("Choose one of the round's districts, or none."),
    "text": N_(
        "Write the council's answer, in up to 4,000 characters: residents read it with the "
        "assessment."
    ),
}
ANSWER_PHASE = N_(
    "The council answers while the round is in the assessment phase; this round is in the "
    "phase: %(phase)s."
)


class AssessmentDesk(Controller):
    path = "/staff/rounds/{round_id:int}/assessment"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def desk(
        self,
        uow: Work,
        language: Lang,
        staff: Staff,
        round_id: FromPath[int],
        answered: FromQuery[str | None] = None,
    ) -> Template:
        return render(uow, language, staff, round_id, answered=answered)

    @post(
        "/",
        status_code=303,
        # The one answer that ever shows the codes: no cache, shared or the browser's, keeps it.
        response_headers=[ResponseHeader(name="Cache-Control", value="no-store")],
    )
    async def act(
        self,
        request: Request[Any, Any, Any],
        uow: Work,
        language: Lang,
        staff: Staff,
        round_id: FromPath[int],
    ) -> Template | Redirect:
        # Where residents use the codes: the residents' assessment form (pages/assessment.py).
        address = f"{str(request.base_url).rstrip('/')}/rounds/{round_id}/assess"

        def work(form: FormMultiDict) -> Answer:
            posted = read(form, ("action", "count", "district", "project", "text"))
            if posted["action"] == "codes":
                return _codes(uow, language, staff, round_id, {**posted, "address": address})
            return _answer(uow, language, staff, round_id, posted)

        return await on_form(request, staff, work)


def _codes(
    uow: UnitOfWork, language: Language, staff: Staff, round_id: int, posted: dict[str, str]
) -> Template:
    count = posted["count"]
    if not 1 <= whole(count) <= PER_SHEET:
        errors = {"count": language.translate(MESSAGES["count"])}
        return render(uow, language, staff, round_id, errors=errors, posted=posted, status=422)
    order = AssessmentCodesIn(count=whole(count), district=posted["district"] or None)
    try:
        issued = AssessmentService(uow).issue_codes(staff.principal, round_id, order)
    except ServiceError as exc:
        raise_unless_shown(exc)
        errors = _refused(
            exc, uow=uow, staff=staff, round_id=round_id, language=language, phase_message=NO_CODES
        )
        return render(
            uow, language, staff, round_id, errors=errors, posted=posted, status=exc.status
        )
    view = RoundService(uow).own_view(staff.principal, round_id)
    return page(
        "aftervote/assessment_codes.html",
        language,
        staff=staff,
        round=view,
        phases=PHASES,
        issued=issued,
        address=posted["address"],
    )


def _answer(
    uow: UnitOfWork, language: Language, staff: Staff, round_id: int, posted: dict[str, str]
) -> Template | Redirect:
    project = posted["project"]
    try:
        given = AnswerIn(text=posted["text"] or None)
        AssessmentService(uow).answer(staff.principal, round_id, project, given)
    except ValidationError:
        errors = {f"text-{anchor(project)}": language.translate(MESSAGES["text"])}
        return render(uow, language, staff, round_id, errors=errors, posted=posted, status=422)
    except ServiceError as exc:
        raise_unless_shown(exc)
        errors = _refused(
            exc,
            uow=uow,
            staff=staff,
            round_id=round_id,
            language=language,
            phase_message=ANSWER_PHASE,
            project=project,
        )
        return render(
            uow, language, staff, round_id, errors=errors, posted=posted, status=exc.status
        )
    done = urlencode({"answered": project})
    where = f"answer-{anchor(project)}"
    return Redirect(f"/staff/rounds/{round_id}/assessment?{done}#{where}", status_code=303)


def _refused(
    exc: ServiceError,
    *,
    uow: UnitOfWork,
    staff: Staff,
    round_id: int,
    language: Language,
    phase_message: str,
    project: str = "",
) -> dict[str, str]:
    if exc.field == "phase":
        view = RoundService(uow).own_view(staff.principal, round_id)
        return {FORM: in_phase(phase_message, view, language)}
    ids = {"count": "count", "district": "district", "text": f"text-{anchor(project)}"}
    return shown(exc.field, exc.problem, fields=ids, messages=MESSAGES, language=language)
