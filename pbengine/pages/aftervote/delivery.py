"""`/staff/rounds/{id}/delivery`: the council records what becomes of each funded project,
and reallocates the money released by cancelled or cheaper ones.

Every form posts to this page with an `action` (milestone, update, spend, link, cancel,
whatif, reallocate); a change that holds leads back to the page (303) at the project
changed, a refusal shows the page again with the message beside the field at fault.
"""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from pbengine.core.phases import Phase
from pbengine.pages.aftervote import changes, reallocation
from pbengine.pages.aftervote.common import anchor, day, read
from pbengine.pages.delivery import MILESTONES, STATES
from pbengine.pages.deps import Lang, Work
from pbengine.pages.explain import N_, PHASES
from pbengine.pages.i18n import Language
from pbengine.pages.staff.posting import Answer, on_form, refused_or_on
from pbengine.pages.staff.session import Staff
from pbengine.pages.templating import page
from pbengine.service.delivery import DeliveryService
from pbengine.service.errors import ConflictError
from pbengine.service.proposals import ProposalService
from pbengine.service.reallocation import ReallocationOut
from pbengine.service.rounds import RoundService
from pbengine.store.unit_of_work import UnitOfWork

SAVED = {
    "milestone": N_("Saved: a milestone added to “%(title)s”."),
    "update": N_("Saved: the milestone of “%(title)s” changed."),
    "spend": N_("Saved: money spent on “%(title)s”."),
    "link": N_("Saved: a link added to “%(title)s”."),
    "cancel": N_("Saved: “%(title)s” is cancelled, with its reason."),
}
NOT_PUBLISHED = N_(
    "Delivery is recorded once the results are published and the round has moved on to the "
    "delivery phase; this round is in the phase: %(phase)s."
)
LATER = N_(
    "Delivery is recorded while the round is in the delivery phase; this round is in the "
    "phase: %(phase)s. What happens later belongs in the council's answers to the assessment."
)


class DeliveryDesk(Controller):
    path = "/staff/rounds/{round_id:int}/delivery"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def desk(
        self,
        *,
        uow: Work,
        language: Lang,
        staff: Staff,
        round_id: FromPath[int],
        saved: FromQuery[str | None] = None,
        what: FromQuery[str | None] = None,
    ) -> Template:
        return render(uow, language, staff, round_id, saved=(what or "", saved or ""))

    @post("/", status_code=303)
    async def record(
        self,
        request: Request[Any, Any, Any],
        uow: Work,
        language: Lang,
        staff: Staff,
        round_id: FromPath[int],
    ) -> Template | Redirect:
        return await on_form(
            request, staff, lambda form: _record(uow, language, staff, round_id, form)
        )


def _record(
    uow: UnitOfWork, language: Language, staff: Staff, round_id: int, form: FormMultiDict
) -> Answer:
    posted = read(form, changes.FIELDS)
    action = posted["action"]
    if action == "whatif":
        preview, status, errors = reallocation.what_if(
            uow, staff, round_id, posted["rule"], language
        )
        return render(
            uow, language, staff, round_id, errors=errors, posted=posted, preview=preview,
            status=status,
        )  # fmt: skip
    if action == "reallocate":
        status, errors = reallocation.apply(
            uow, staff, round_id, posted["confirm"] == "yes", language
        )
        where = "reallocation"
    else:
        status, errors = changes.change(uow, staff, round_id, posted, language)
        where = f"project-{anchor(posted['project'])}"
    done = urlencode({"what": action, "saved": posted["project"]})
    return refused_or_on(
        (status, errors),
        partial(render, uow, language, staff, round_id, posted=posted),
        f"/staff/rounds/{round_id}/delivery?{done}#{where}",
    )


def render(
    uow: UnitOfWork,
    language: Language,
    staff: Staff,
    round_id: int,
    *,
    errors: dict[str, str] | None = None,
    posted: dict[str, str] | None = None,
    saved: tuple[str, str] = ("", ""),
    preview: ReallocationOut | None = None,
    status: int = 200,
) -> Template:
    view = RoundService(uow).own_view(staff.principal, round_id)
    titles = {p.id: p.title for p in ProposalService(uow).listing(staff.principal, round_id)}
    try:
        delivery = DeliveryService(uow).view(round_id)
    except ConflictError:
        delivery = None
    open_ = view.phase is Phase.DELIVERY
    return page(
        "aftervote/delivery.html",
        language,
        status=status,
        staff=staff,
        round=view,
        phases=PHASES,
        delivery=delivery,
        open=open_,
        closed=None if open_ else _closed(view.phase, language),
        titles=titles,
        anchors={key: anchor(key) for key in titles},
        states=STATES,
        milestones=MILESTONES,
        rules=reallocation.RULES,
        rule_names=reallocation.NAMES,
        preview=preview,
        saved=_saved(saved, titles, language),
        reallocated=saved[0] == "reallocate",
        posted_form=changes.form_id(posted) if posted else "",
        errors=errors or {},
        posted=posted or {},
        day=lambda text: day(language, text),
    )


def _closed(phase: Phase, language: Language) -> str:
    message = LATER if phase in (Phase.ASSESSMENT, Phase.ARCHIVED) else NOT_PUBLISHED
    return language.translate(message, phase=language.translate(PHASES[phase]))


def _saved(saved: tuple[str, str], titles: dict[str, str], language: Language) -> dict[str, str]:
    """The notice for the change just made, keyed by the project it belongs to."""
    what, project = saved
    if what in SAVED and project in titles:
        return {project: language.translate(SAVED[what], title=titles[project])}
    return {}
