"""Routes for voting: voter codes, ballots (online, paper, assisted), turnout."""

from __future__ import annotations

import threading
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, HeaderParameter, JSONBody
from pydantic import BaseModel

from pbengine.api.auth import bearer_secret, principal_of
from pbengine.api.deps import UNIT_OF_WORK, Caller, Work
from pbengine.api.throttles import client_of, throttles_of
from pbengine.service.errors import Principal, UnauthorizedError
from pbengine.service.identity import VoterCode
from pbengine.service.replies import BallotCount, BallotReceipt
from pbengine.service.throttle import Throttles
from pbengine.service.voting import BallotIn, BallotQueue, VoterCodesIn, VotingService
from pbengine.store.tokens import is_token

QUEUE_KEY = "ballot_queue"
_making_queue = threading.Lock()


def queue_of(request: Request[Any, Any, Any]) -> BallotQueue:
    """The app's ballot queue: one per app, as its database is (a queue shared by two apps
    would cast one app's ballots in the other's database)."""
    state = request.app.state
    with _making_queue:
        queue: BallotQueue | None = state.get(QUEUE_KEY)
        if queue is None:
            queue = state[QUEUE_KEY] = BallotQueue()
    return queue


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
    dependencies = UNIT_OF_WORK

    @post(
        "/voter-codes",
        sync_to_thread=True,
        summary="Issue N voter codes, shown only in this reply (council)",
    )
    def voter_codes(
        self, uow: Work, caller: Caller, round_id: FromPath[int], data: JSONBody[VoterCodesIn]
    ) -> VoterCodesOut:
        codes = VotingService(uow).issue_codes(caller, round_id, data)
        return VoterCodesOut(round=round_id, codes=codes)

    @post(
        "/ballots",
        sync_to_thread=True,
        summary="Cast a ballot (resident: Bearer <voter code>; staff: paper or assisted entry)",
        description="A retry with the same Idempotency-Key gets the first reply again, with "
        "the header `Idempotency-Replayed: true`.",
    )
    def ballot(
        self,
        request: Request[Any, Any, Any],
        uow: Work,
        round_id: FromPath[int],
        data: JSONBody[BallotIn],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[BallotReceipt]:
        throttles = throttles_of(request)
        caller = _caller(request, uow, throttles)
        try:
            cast = VotingService(uow, queue_of(request)).cast(
                caller, round_id, data, idempotency_key
            )
        except UnauthorizedError:
            if isinstance(caller, VoterCode):
                throttles.codes.count(client_of(request))
            raise
        if cast.voter_key is not None and not cast.replayed:
            throttles.ballots.count(cast.voter_key)
        headers = {"Idempotency-Replayed": "true"} if cast.replayed else {}
        return Response(cast.body, status_code=cast.status, headers=headers)

    @get("/ballots/count", sync_to_thread=True, summary="Ballots counted so far (public)")
    def count(self, uow: Work, round_id: FromPath[int]) -> BallotCount:
        return VotingService(uow).count(round_id)


def _caller(
    request: Request[Any, Any, Any], uow: Work, throttles: Throttles
) -> Principal | VoterCode:
    """A resident's code is looked up by the batch that casts their ballot
    (service/casting.py); staff's tokens here. Either way on this handler's thread, not by
    the `caller` dependency, which runs on another: a request holding a database connection
    while it waits for a thread could otherwise wait forever behind a burst of ballots
    holding every thread while they wait for a connection."""
    secret = bearer_secret(request)
    if secret is None or is_token(secret):
        return principal_of(request, uow.session)
    # Refused before it is looked up, as principal_of refuses, when the client has sent
    # too many unknown codes; counted there when the batch finds it unknown.
    throttles.codes.check(client_of(request))
    return VoterCode(secret, throttles.ballots)
