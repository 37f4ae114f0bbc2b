"""Routes for projects: residents propose, the council reviews, everyone reads."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody

from pbengine.api.deps import Caller, DbSession
from pbengine.service.proposals import ProposalIn, ProposalService, ReviewIn


class ProjectController(Controller):
    path = "/api/v1/rounds/{round_id:int}/projects"
    tags = ("projects",)

    @post("/", sync_to_thread=True, summary="Propose a project, in phase proposals (anyone)")
    def propose(
        self,
        session: DbSession,
        caller: Caller,
        round_id: FromPath[int],
        data: JSONBody[ProposalIn],
    ) -> dict[str, Any]:
        return ProposalService(session).propose(caller, round_id, data)

    @get(
        "/",
        sync_to_thread=True,
        summary="Projects and proposals with their review status and reasons (public)",
    )
    def listing(
        self, session: DbSession, caller: Caller, round_id: FromPath[int]
    ) -> list[dict[str, Any]]:
        return ProposalService(session).listing(caller, round_id)

    @post(
        "/{project_id:str}/review",
        sync_to_thread=True,
        status_code=200,
        summary="Accept with a final cost, reject with a reason, or merge (council, phase review)",
    )
    def review(
        self,
        session: DbSession,
        caller: Caller,
        round_id: FromPath[int],
        project_id: FromPath[str],
        data: JSONBody[ReviewIn],
    ) -> dict[str, Any]:
        return ProposalService(session).review(caller, round_id, project_id, data)
