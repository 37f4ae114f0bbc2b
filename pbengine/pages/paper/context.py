"""What each paper page shows, from the services' answers (and a refusal, next to its field)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar.datastructures import FormMultiDict
from litestar.response import Template

from pbengine.core.election import VoteType
from pbengine.core.phases import Phase
from pbengine.pages.ballot_form import BallotForm, read_ballot
from pbengine.pages.explain import N_, PHASES
from pbengine.pages.i18n import Language
from pbengine.pages.paper.ballots import as_form, places
from pbengine.pages.paper.refusals import Refusal, Refused, refused
from pbengine.pages.templating import page
from pbengine.service.paper_batches import PaperBatchService
from pbengine.service.paper_replies import BatchView, DecisionOut, PaperBallotOut, PaperEntryOut
from pbengine.service.proposals import ProposalService
from pbengine.service.rounds import RoundService
from pbengine.service.sign_in import StaffSession
from pbengine.store.unit_of_work import UnitOfWork

# Words for the service's names of what differs between the two passes.
DIFFERS = {
    "code": N_("the voter code differs"),
    "choices": N_("the choices differ"),
    "only_in_pass_1": N_("only pass 1 has a ballot here"),
    "only_in_pass_2": N_("only pass 2 has a ballot here"),
}
CHOICES = {
    "pass_1": N_("pass 1's entry counts"),
    "pass_2": N_("pass 2's entry counts"),
    "typed": N_("the ballot typed from the paper counts"),
    "set_aside": N_("the paper is set aside: no ballot counts"),
}


# What stops a batch from counting besides its disagreements, by the service's field.
PROBLEMS = {
    "phase": N_("Voting is not open: ballots count only while it is."),
    "pass_1": N_("Pass 1 is not complete."),
    "pass_2": N_("Pass 2 is not complete."),
    "voter_code": N_(
        "This voter code has already voted, or is on another paper of the batch too. Set the "
        "paper aside, with a note; a paper that should replace a counted ballot is entered "
        "on its own, with an override."
    ),
    "ballot": N_("This ballot cannot count as it was entered: decide what the paper says."),
}


@dataclass(frozen=True)
class Look:
    """A position staff look at on the paper: a disagreement, or a ballot both passes read
    the same way that cannot count as it is (or that someone set aside)."""

    position: int
    differs: list[str]
    pass_1: PaperBallotOut | None
    pass_2: PaperBallotOut | None
    decision: DecisionOut | None
    problems: list[str]
    agreed: bool


def looks(batch: BatchView) -> list[Look]:
    found = {
        d.position: Look(d.position, d.differs, d.pass_1, d.pass_2, d.decision, [], False)
        for d in batch.reconciliation
    }
    decided = {d.position: d for d in batch.decisions}
    wanted = [p.position for p in batch.problems if p.position] + list(decided)
    for position in wanted:
        if position not in found:
            decision = decided.get(position)
            found[position] = Look(position, [], None, None, decision, [], True)
    for p in batch.problems:
        if p.position:
            found[p.position].problems.append(p.problem)
    return [found[position] for position in sorted(found)]


def me(staff: StaffSession) -> str:
    """The name the service records for the caller (the token's label)."""
    return staff.principal.staff or "council staff"


def batches_page(
    uow: UnitOfWork,
    language: Language,
    staff: StaffSession,
    round_id: int,
    *,
    refusal: Refusal | Refused | None = None,
    form: FormMultiDict | None = None,
) -> Template:
    view = RoundService(uow).own_view(staff.principal, round_id)
    shown = refusal
    if shown is not None and not isinstance(shown, Refused):
        shown = refused(shown, language, view)
    return page(
        "paper/batches.html",
        language,
        status=shown.status if shown else 200,
        staff=staff,
        round=view,
        phases=PHASES,
        batches=PaperBatchService(uow).batches(staff.principal, round_id),
        refused=shown,
        posted=form or {},
    )


def batch_page(
    uow: UnitOfWork,
    language: Language,
    staff: StaffSession,
    ids: tuple[int, int],
    *,
    refusal: Refusal | Refused | None = None,
    form: FormMultiDict | None = None,
    counting: bool = False,
) -> Template:
    context = _batch(uow, staff, ids)
    shown = _refused(context, language, staff, refusal, counting=counting)
    posted = str(form.get("position") or "") if form is not None else ""
    batch: BatchView = context["batch"]
    context |= {
        "refused": shown,
        "differs": DIFFERS,
        "choices": CHOICES,
        "problems": PROBLEMS,
        "looks": looks(batch),
        "counted_at": datetime.fromisoformat(batch.counted_at) if batch.counted_at else None,
        # A refused decision: its form shows again as it was sent, its error beside it.
        "posted_at": int(posted) if posted.isdigit() else None,
        "posted": form or {},
        "typed": read_ballot(form) if form is not None else BallotForm(),
        "empty": BallotForm(),
    }
    return page("paper/batch.html", language, status=shown.status if shown else 200, **context)


def entry_page(
    uow: UnitOfWork,
    language: Language,
    staff: StaffSession,
    ids: tuple[int, int],
    *,
    form: FormMultiDict | None = None,
    refusal: Refusal | Refused | None = None,
    done: tuple[str, int] | None = None,
    correcting: int | None = None,
) -> Template:
    """The entry screen: the next ballot of the caller's pass, or one of it again."""
    context = _batch(uow, staff, ids)
    batches = PaperBatchService(uow)
    mine = batches.entries(staff.principal, *ids)
    shown = _refused(context, language, staff, refusal)
    ballot = read_ballot(form) if form is not None else BallotForm()
    if correcting is not None and form is None:
        entry = next(e for e in mine if e.position == correcting)
        ballot = as_form(entry.ballot)
    last: PaperEntryOut | None = None
    if done is not None and any(e.position == done[1] for e in mine):
        last = batches.entry(staff.principal, *ids, done[1])
    batch: BatchView = context["batch"]
    context |= {
        "refused": shown,
        "ballot": ballot,
        "mine": mine,
        "correcting": correcting,
        "done": done[0] if done else None,
        "last": last,
        "pass_shown": _pass_shown(batch),
        "state": _state(batch, context["round"].phase, correcting),
    }
    return page("paper/enter.html", language, status=shown.status if shown else 200, **context)


def _batch(uow: UnitOfWork, staff: StaffSession, ids: tuple[int, int]) -> dict[str, Any]:
    """What a batch's pages share: the round, the batch, the titles, the ballot's projects."""
    round_id, batch_id = ids
    view = RoundService(uow).own_view(staff.principal, round_id)
    listed = ProposalService(uow).listing(staff.principal, round_id)
    projects = [(p.id, p.title) for p in listed if p.status == "accepted"]
    titles = {p.id: p.title for p in listed} | {o.key: o.title for o in view.config.outcomes}
    return {
        "staff": staff,
        "me": me(staff),
        "round": view,
        "phases": PHASES,
        "batch": PaperBatchService(uow).show(staff.principal, round_id, batch_id),
        "titles": titles,
        "projects": projects,
        "places": places(view.config, len(projects)),
        "ballot_type": view.config.ballot.type,
        "has_points": view.config.vote_type.has_points,
        "ranked": view.config.vote_type is VoteType.ORDINAL,
    }


def _refused(
    context: dict[str, Any],
    language: Language,
    staff: StaffSession,
    refusal: Refusal | Refused | None,
    *,
    counting: bool = False,
) -> Refused | None:
    if refusal is None or isinstance(refusal, Refused):
        return refusal
    return refused(
        refusal, language, context["round"], context["batch"], me(staff), counting=counting
    )


def _pass_shown(batch: BatchView) -> int | None:
    """The pass the caller enters: their own, else the first one nobody has taken."""
    if batch.your_pass is not None:
        return batch.your_pass
    return next((p.pass_number for p in batch.passes if p.staff is None), None)


def _state(batch: BatchView, phase: Phase, correcting: int | None) -> str:
    """Whether the screen offers a ballot to enter, and if not, why."""
    if batch.status == "counted":
        return "counted"
    if phase is not Phase.VOTING:
        return "closed"
    if correcting is not None:
        return "open"
    if _pass_shown(batch) is None:
        return "taken"
    full = batch.papers is not None and (batch.next_position or 1) > batch.papers
    return "full" if full else "open"
