"""A round as its staff see it: where it stands and what to do next."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import FromPath
from litestar.response import Template

from pbengine.core.phases import Phase
from pbengine.pages.deps import Lang, Work
from pbengine.pages.explain import N_, PHASES
from pbengine.pages.staff.session import Staff
from pbengine.pages.templating import page
from pbengine.service.proposals import ProposalService
from pbengine.service.rounds import RoundService
from pbengine.service.voting import VotingService

# What staff usually do in each phase, and the page where they do it.
NEXT_STEP = {
    Phase.DRAFT: ("/setup", N_("Finish the set-up, check it, and open the round for proposals.")),
    Phase.PROPOSALS: ("/review", N_("Review the proposals: accept, merge or reject each.")),
    Phase.REVIEW: (
        "/review",
        N_("Finish the review, then open voting after the pre-flight check."),
    ),
    Phase.VOTING: (
        "/codes",
        N_("Issue voter codes and enter paper ballots; close voting when it ends."),
    ),
    Phase.CLOSED: ("/allocation", N_("Run the allocation and read the results before publishing.")),
    Phase.ALLOCATED: (
        "/allocation",
        N_("Read the results and the equalities report, then publish."),
    ),
}


class StaffRoundPages(Controller):
    path = "/staff/rounds/{round_id:int}"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def overview(
        self, uow: Work, language: Lang, staff: Staff, round_id: FromPath[int]
    ) -> Template:
        view = RoundService(uow).own_view(staff.principal, round_id)
        projects = ProposalService(uow).listing(staff.principal, round_id)
        statuses = {s: sum(1 for p in projects if p.status == s) for s in ("proposed", "accepted")}
        return page(
            "staff/overview.html",
            language,
            staff=staff,
            round=view,
            phases=PHASES,
            statuses=statuses,
            ballots=VotingService(uow).count(round_id).ballots,
            next_step=NEXT_STEP.get(view.phase),
        )
