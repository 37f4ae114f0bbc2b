"""What each paper page shows, from the services' answers (and a refusal, next to its field)."""

from __future__ import annotations

from typing import Any

from litestar.datastructures import FormMultiDict
from litestar.response import Template
from pydantic import ValidationError

from pbengine.formats.validation_errors import first_error
from pbengine.pages.explain import N_, PHASES
from pbengine.pages.i18n import Language
from pbengine.pages.paper.ballots import POINTS_TYPES, in_words
from pbengine.pages.templating import page
from pbengine.service.errors import ServiceError
from pbengine.service.paper_batches import PaperBatchService
from pbengine.service.paper_replies import BatchCounted
from pbengine.service.proposals import ProposalService
from pbengine.service.rounds import RoundService, RoundView
from pbengine.service.sign_in import StaffSession
from pbengine.store.unit_of_work import UnitOfWork

Refusal = ServiceError | ValidationError | ValueError

# Words for the service's names of what differs between the two passes.
DIFFERS = {
    "code": N_("the voter code"),
    "choices": N_("the choices"),
    "only_in_pass_1": N_("only pass 1 has a ballot here"),
    "only_in_pass_2": N_("only pass 2 has a ballot here"),
}


def _refusal(error: Refusal | tuple[str | None, str] | None) -> tuple[str, str, int] | None:
    """(field, problem, status) of a refusal; the problem is the service's, in English."""
    if error is None:
        return None
    if isinstance(error, tuple):
        return (error[0] or "form", error[1], 422)
    if isinstance(error, ServiceError):
        return (error.field or "form", error.problem, error.status)
    if isinstance(error, ValidationError):
        field, problem = first_error(error, "form")
        return (field, problem, 422)
    return ("form", str(error), 422)


def _round(uow: UnitOfWork, staff: StaffSession, round_id: int) -> tuple[RoundView, dict[str, str]]:
    view = RoundService(uow).own_view(staff.principal, round_id)
    titles = {p.id: p.title for p in ProposalService(uow).listing(staff.principal, round_id)}
    titles |= {o.key: o.title for o in view.config.outcomes}
    return view, titles


def batches_page(
    uow: UnitOfWork,
    language: Language,
    staff: StaffSession,
    round_id: int,
    error: tuple[str | None, str] | None = None,
) -> Template:
    view, _ = _round(uow, staff, round_id)
    refused = _refusal(error)
    return page(
        "paper/batches.html",
        language,
        status=refused[2] if refused else 200,
        staff=staff,
        round=view,
        phases=PHASES,
        batches=PaperBatchService(uow).batches(staff.principal, round_id),
        refused=refused,
    )


def batch_page(
    uow: UnitOfWork,
    language: Language,
    staff: StaffSession,
    round_id: int,
    batch_id: int,
    *,
    error: Refusal | None = None,
    form: FormMultiDict | None = None,
    counted: BatchCounted | None = None,
) -> Template:
    context = _batch(uow, staff, round_id, batch_id, error)
    context |= {"in_words": in_words, "differs": DIFFERS, "counted": counted}
    return _page("paper/batch.html", language, context, posted=form or {})


def entry_page(
    uow: UnitOfWork,
    language: Language,
    staff: StaffSession,
    round_id: int,
    batch_id: int,
    *,
    form: FormMultiDict | None = None,
    error: Refusal | None = None,
    saved: int | None = None,
    corrected: int | None = None,
    correcting: int | None = None,
) -> Template:
    """The entry screen: the next ballot of the caller's pass, or one of it again."""
    context = _batch(uow, staff, round_id, batch_id, error)
    mine = PaperBatchService(uow).entries(staff.principal, round_id, batch_id)
    posted: object = form or {}
    picked = _picked(form)
    if correcting is not None and form is None:
        # What the pass holds there, to correct; the code is typed again from the paper.
        entry = next((e for e in mine if e.position == correcting), None)
        if entry is not None:
            picked = [*entry.ballot.projects, *entry.ballot.outcomes]
            points = zip(entry.ballot.projects, entry.ballot.points or [], strict=False)
            posted = {f"points-{project}": value for project, value in points}
    context |= {
        "in_words": in_words,
        "saved": saved,
        "corrected": corrected,
        "correcting": correcting,
        "mine": mine,
        "picked": picked,
        "editing": form is not None or correcting is not None,
    }
    return _page("paper/enter.html", language, context, posted=posted)


def _batch(
    uow: UnitOfWork, staff: StaffSession, round_id: int, batch_id: int, error: Refusal | None
) -> dict[str, Any]:
    """What a batch's pages share: the round, the batch, the titles, the projects, a refusal."""
    view, titles = _round(uow, staff, round_id)
    return {
        "staff": staff,
        "round": view,
        "phases": PHASES,
        "batch": PaperBatchService(uow).show(staff.principal, round_id, batch_id),
        "titles": titles,
        "refused": _refusal(error),
        "projects": _projects(uow, staff, round_id),
        "points": view.config.ballot.type in POINTS_TYPES,
    }


def _page(name: str, language: Language, context: dict[str, Any], **more: Any) -> Template:
    refused = context["refused"]
    return page(name, language, status=refused[2] if refused else 200, **context, **more)


def _projects(uow: UnitOfWork, staff: StaffSession, round_id: int) -> list[tuple[str, str]]:
    """The projects on the ballot, in the ballot's order."""
    listed = ProposalService(uow).listing(staff.principal, round_id)
    return [(p.id, p.title) for p in listed if p.status == "accepted"]


def _picked(form: FormMultiDict | None) -> list[str]:
    """The projects and outcome priorities a refused entry had ticked, to show them again."""
    if form is None:
        return []
    return [str(v) for v in (*form.getall("project", []), *form.getall("outcome", []))]
