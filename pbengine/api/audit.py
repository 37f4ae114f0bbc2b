"""Routes for auditors and residents checking a round: its record, its signed heads, the
ballot trackers, and the public keys that check the signatures."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import FromPath, Parameter

from pbengine.api.deps import UNIT_OF_WORK, Caller, Work
from pbengine.service.audit import AuditService
from pbengine.service.replies import ChainHead, RoundRecord, Trackers
from pbengine.service.signed import public_keys
from pbengine.service.signed_replies import Checkpoints, PublicKeys


class AuditController(Controller):
    path = "/api/v1/rounds"
    tags = ("audit",)
    dependencies = UNIT_OF_WORK

    @get(
        "/{round_id:int}/record",
        sync_to_thread=True,
        summary="The round's record: event log, rules, engine version, result (auditor, council; "
        "published=1: anyone, once published)",
        description="Check it offline with `pbengine replay record.json`. Available once "
        "voting closes: before that it would show the ballots cast so far, and the answer is "
        "409 (field `phase`); the head and the checkpoints are public in every phase.",
    )
    def record(
        self,
        uow: Work,
        caller: Caller,
        round_id: FromPath[int],
        published: Annotated[
            bool,
            Parameter(
                description="the published record: public once the result is published; "
                "ballots as commitments in the chain and their contents in a list apart, "
                "so no tracker maps to a ballot",
            ),
        ] = False,
    ) -> RoundRecord:
        if published:
            return AuditService(uow).published_record(round_id)
        return AuditService(uow).record(caller, round_id)

    @get(
        "/{round_id:int}/head",
        sync_to_thread=True,
        summary="The head of the round's event log: height, hash, time (public)",
        description="Note it down: a record exported later must extend it "
        "(`pbengine verify-extends`), or events were altered or removed.",
    )
    def head(self, uow: Work, round_id: FromPath[int]) -> ChainHead:
        return AuditService(uow).head(round_id)

    @get(
        "/{round_id:int}/checkpoints",
        sync_to_thread=True,
        summary="The head of the log at each phase change, signed by the server (public)",
        description="Keep them: `pbengine verify-extends checkpoint.json record.json` shows "
        "whether a record shown later still holds the log as it was signed.",
    )
    def checkpoints(self, uow: Work, round_id: FromPath[int]) -> Checkpoints:
        return AuditService(uow).checkpoints(round_id)

    @get(
        "/{round_id:int}/trackers",
        sync_to_thread=True,
        summary="Trackers of the ballots counted and of those replaced (public once voting closes)",
        description="Each accepted ballot's reply carries its tracker. `trackers` lists the "
        "ballots that count; a ballot replaced by a later one under the same voter code is "
        "listed in `replaced` instead.",
    )
    def trackers(self, uow: Work, round_id: FromPath[int]) -> Trackers:
        return AuditService(uow).trackers(round_id)


@get(
    "/.well-known/pbengine-keys.json",
    tags=["audit"],
    sync_to_thread=False,
    summary="The server's public signing keys: the current one, and every one it replaced",
    description="They check the signatures of receipts and checkpoints "
    "(`pbengine verify-receipt --keys`); a retired key stays listed so what it signed still "
    "verifies.",
)
def signing_keys() -> PublicKeys:
    return public_keys()
