"""Routes for voting: voter codes, ballots (online, paper, assisted), turnout."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, HeaderParameter, JSONBody
from pydantic import BaseModel

from pbengine.api.auth import principal_of
from pbengine.api.deps import Caller, DbSession
from pbengine.service.voting import BallotIn, VoterCodesIn, VotingService


class VoterCodesOut(BaseModel):
    round: int
    codes: list[str]


IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        description="a retry with the same key and body returns the first reply, casting nothing",
    ),
]


class VotingController(Controller):
    path = "/api/v1/rounds/{round_id:int}"
    tags = ("voting",)

    @post(
        "/voter-codes",
        sync_to_thread=True,
        summary="Issue N voter codes, shown only in this reply (council)",
    )
    def voter_codes(
        self,
        session: DbSession,
        caller: Caller,
        round_id: FromPath[int],
        data: JSONBody[VoterCodesIn],
    ) -> VoterCodesOut:
        codes = VotingService(session).issue_codes(caller, round_id, data)
        return VoterCodesOut(round=round_id, codes=codes)

    @post(
        "/ballots",
        sync_to_thread=True,
        summary="Cast a ballot (resident: Bearer <voter code>; staff: paper or assisted entry)",
    )
    def ballot(
        self,
        request: Request[Any, Any, Any],
        session: DbSession,
        round_id: FromPath[int],
        data: JSONBody[BallotIn],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[dict[str, Any]]:
        # The caller is looked up here, not by the `caller` dependency, which runs on
        # another worker thread: a request holding a database connection while it waits
        # for a thread could otherwise wait forever behind a burst of ballots holding
        # every thread while they wait for a connection.
        caller = principal_of(request, session)
        cast = VotingService(session).cast(caller, round_id, data, idempotency_key)
        headers = {"Idempotency-Replayed": "true"} if cast.replayed else {}
        return Response(cast.body, status_code=cast.status, headers=headers)

    @get("/ballots/count", sync_to_thread=True, summary="Ballots counted so far (public)")
    def count(self, session: DbSession, round_id: FromPath[int]) -> dict[str, Any]:
        return VotingService(session).count(round_id)
