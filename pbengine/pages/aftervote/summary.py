"""The assessment desk as a page: the codes form, the residents' assessment summed up
and the council's answer to each project, each shown in the phases the service allows."""

from __future__ import annotations

from litestar.response import Template

from pbengine.core.phases import Phase
from pbengine.pages.aftervote.common import anchor
from pbengine.pages.explain import N_, PHASES
from pbengine.pages.i18n import Language
from pbengine.pages.staff.session import Staff
from pbengine.pages.templating import page
from pbengine.service.assessment import AssessmentService
from pbengine.service.errors import ConflictError
from pbengine.service.rounds import RoundService
from pbengine.store.unit_of_work import UnitOfWork

ANSWERS = {
    "yes": N_("yes"),
    "partly": N_("partly"),
    "no": N_("no"),
    "dont_know": N_("don't know"),
}
CODES_OPEN = (Phase.DELIVERY, Phase.ASSESSMENT)
NO_CODES = N_(
    "Assessment codes are issued while the round is in the delivery or assessment phase; "
    "this round is in the phase: %(phase)s."
)
NO_SUMMARY = N_(
    "The residents' assessment is summed up here from the assessment phase on; this round "
    "is in the phase: %(phase)s."
)
ANSWERED = N_("Saved: the council's answer on “%(title)s” is published.")


def render(
    uow: UnitOfWork,
    language: Language,
    staff: Staff,
    round_id: int,
    *,
    errors: dict[str, str] | None = None,
    posted: dict[str, str] | None = None,
    answered: str | None = None,
    status: int = 200,
) -> Template:
    view = RoundService(uow).own_view(staff.principal, round_id)
    try:
        summary = AssessmentService(uow).view(round_id)
    except ConflictError:
        summary = None
    phase = language.translate(PHASES[view.phase])
    titles = {p.project: p.title for p in summary.projects} if summary else {}
    return page(
        "aftervote/assessment.html",
        language,
        status=status,
        staff=staff,
        round=view,
        phases=PHASES,
        summary=summary,
        answering=view.phase is Phase.ASSESSMENT,
        no_codes=None if view.phase in CODES_OPEN else language.translate(NO_CODES, phase=phase),
        no_summary=language.translate(NO_SUMMARY, phase=phase) if summary is None else None,
        answered=language.translate(ANSWERED, title=titles[answered])
        if answered in titles
        else None,
        answered_project=answered,
        outcome_titles={o.key: o.title for o in view.config.outcomes},
        answers=ANSWERS,
        anchors={key: anchor(key) for key in titles},
        per_sheet=500,
        errors=errors or {},
        posted=posted or {},
    )
