"""`/staff/rounds/{id}/review`: the proposals awaiting review, then the decided ones.

Each proposal has three small forms (accept at a final cost, merge into another project,
reject with a reason residents read), posted to `/review/{project}`; the service decides
whether the round is in its review phase and whether the decision holds.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from pydantic import ValidationError

from pbengine.core.phases import Phase
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
from pbengine.pages.staff.posting import on_form, refused_or_on
from pbengine.pages.staff.session import Staff
from pbengine.pages.templating import page
from pbengine.service.errors import ServiceError
from pbengine.service.proposals import ProposalService, ReviewIn
from pbengine.service.rounds import RoundService
from pbengine.store.unit_of_work import UnitOfWork

PROPOSED = "proposed"
LIVE = ("proposed", "accepted")
"""A project another may be merged into."""
REASON_LENGTH = 4000

MESSAGES = {
    "cost": N_("Write the final cost as an amount above zero, such as 15000 or 1500.50."),
    "reason": N_(
        "Write why the proposal is rejected, in up to 4,000 characters: the proposer and "
        "every resident read it."
    ),
    "into": N_("Choose the project this one joins: another one, not rejected or merged."),
    "decision": N_("Choose to accept, merge or reject the proposal."),
}
NOT_IN_REVIEW = N_(
    "Proposals are reviewed while the round is in the council review phase; this round is "
    "in the phase: %(phase)s."
)


class ReviewPages(Controller):
    path = "/staff/rounds/{round_id:int}/review"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def queue(
        self,
        uow: Work,
        language: Lang,
        staff: Staff,
        round_id: FromPath[int],
        reviewed: FromQuery[str | None] = None,
    ) -> Template:
        return _queue(uow, language, staff, round_id, done=reviewed)

    @get("/{project:str}", sync_to_thread=False)
    def back_to_queue(self, request: Request[Any, Any, Any], round_id: FromPath[int]) -> Redirect:
        """A decision's answer asked for again (its language switch, a bookmark): the queue."""
        return Redirect(back(request, f"/staff/rounds/{round_id}/review"))

    @post("/{project:str}", status_code=303)
    async def decide(
        self,
        *,
        request: Request[Any, Any, Any],
        uow: Work,
        language: Lang,
        staff: Staff,
        round_id: FromPath[int],
        project: FromPath[str],
    ) -> Template | Redirect:
        def work(form: FormMultiDict) -> Template | Redirect:
            decision = str(form.get("decision") or "")
            values = {
                "cost": str(form.get("cost") or "").strip().replace(" ", ""),
                "reason": str(form.get("reason") or "").strip(),
                "into": str(form.get("into") or ""),
            }
            status, errors = _decided(
                uow, staff, round_id, project, decision=decision, values=values, language=language
            )
            # Each proposal's fields have ids of their own: `cost-<project>` and so on.
            shown = {k if k == FORM else f"{k}-{anchor(project)}": v for k, v in errors.items()}
            posted = {"project": project, "decision": decision, **values}
            done = urlencode({"reviewed": project})
            return refused_or_on(
                (status, shown),
                partial(_queue, uow, language, staff, round_id, posted=posted),
                f"/staff/rounds/{round_id}/review?{done}",
            )

        return await on_form(request, staff, work)


def _decided(
    uow: UnitOfWork,
    staff: Staff,
    round_id: int,
    project: str,
    *,
    decision: str,
    values: dict[str, str],
    language: Language,
) -> tuple[int, dict[str, str]]:
    """Review `project` as the form asks: (status, errors by field), no errors if it held."""
    # Only the field this decision uses: a reason typed into a reject form and then an
    # accept clicked is not sent along.
    used = {"accept": "cost", "reject": "reason", "merge": "into"}.get(decision)
    try:
        review = ReviewIn.model_validate(
            {"decision": decision, **({used: values[used] or None} if used else {})}
        )
        ProposalService(uow).review(staff.principal, round_id, project, review)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else None
        return 422, {_key(field): message_for(field, str(first["msg"]), MESSAGES, language)}
    except ServiceError as exc:
        raise_unless_shown(exc)
        if exc.field == "phase":
            view = RoundService(uow).own_view(staff.principal, round_id)
            return exc.status, {FORM: in_phase(NOT_IN_REVIEW, view, language)}
        return exc.status, {
            _key(exc.field): message_for(exc.field, exc.problem, MESSAGES, language)
        }
    return 200, {}


def _key(field: str | None) -> str:
    return field if field in ("cost", "reason", "into") else FORM


def anchor(key: str) -> str:
    """A project's key as a piece of an HTML id (an imported round's keys may hold spaces)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", key)


def _queue(
    uow: UnitOfWork,
    language: Language,
    staff: Staff,
    round_id: int,
    *,
    errors: dict[str, str] | None = None,
    posted: dict[str, str] | None = None,
    done: str | None = None,
    status: int = 200,
) -> Template:
    view = RoundService(uow).own_view(staff.principal, round_id)
    projects = ProposalService(uow).listing(staff.principal, round_id)
    return page(
        "council/review.html",
        language,
        status=status,
        staff=staff,
        round=view,
        phases=PHASES,
        open=view.phase is Phase.REVIEW,
        awaiting=[p for p in projects if p.status == PROPOSED],
        decided=[p for p in projects if p.status != PROPOSED],
        titles={p.id: p.title for p in projects},
        targets=[p for p in projects if p.status in LIVE],
        outcome_titles={o.key: o.title for o in view.config.outcomes},
        anchors={p.id: anchor(p.id) for p in projects},
        done=next((p for p in projects if p.id == done), None),
        errors=errors or {},
        posted=posted or {},
        reason_length=REASON_LENGTH,
        not_in_review=None
        if view.phase is Phase.REVIEW
        else in_phase(NOT_IN_REVIEW, view, language),
    )
