"""Routes for projects: residents propose, the council reviews, everyone reads."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody

from pbengine.api.deps import UNIT_OF_WORK, Caller, Work
from pbengine.api.throttles import anonymous_proposals
from pbengine.service.proposals import ProposalIn, ProposalService, ReviewIn
from pbengine.service.replies import ProjectForCouncil, ProjectOut


class ProjectController(Controller):
    path = "/api/v1/rounds/{round_id:int}/projects"
    tags = ("projects",)
    dependencies = UNIT_OF_WORK

    @post(
        "/",
        sync_to_thread=True,
        guards=[anonymous_proposals],
        summary="Propose a project, in phase proposals (anyone)",
        description="Without a token, an address may propose 30 times in 10 minutes (429 with "
        "Retry-After after that).",
    )
    def propose(
        self, uow: Work, caller: Caller, round_id: FromPath[int], data: JSONBody[ProposalIn]
    ) -> ProjectForCouncil:
        return ProposalService(uow).propose(caller, round_id, data)

    @get(
        "/",
        sync_to_thread=True,
        summary="Projects and proposals with their review status and reasons (public)",
        description="Its council's staff and auditors also see who proposed each (`proposer`).",
    )
    def listing(
        self, uow: Work, caller: Caller, round_id: FromPath[int]
    ) -> list[ProjectForCouncil | ProjectOut]:
        return list(ProposalService(uow).listing(caller, round_id))

    @post(
        "/{project_id:str}/review",
        sync_to_thread=True,
        status_code=200,
        summary="Accept with a final cost, reject with a reason, or merge (council, phase review)",
    )
    def review(
        self,
        uow: Work,
        caller: Caller,
        round_id: FromPath[int],
        project_id: FromPath[str],
        data: JSONBody[ReviewIn],
    ) -> ProjectForCouncil:
        return ProposalService(uow).review(caller, round_id, project_id, data)
