"""Routes for auditors and residents checking a round: its record and the ballot trackers."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import FromPath

from pbengine.api.deps import UNIT_OF_WORK, Caller, Work
from pbengine.service.audit import AuditService
from pbengine.service.replies import ChainHead, RoundRecord, Trackers


class AuditController(Controller):
    path = "/api/v1/rounds"
    tags = ("audit",)
    dependencies = UNIT_OF_WORK

    @get(
        "/{round_id:int}/record",
        sync_to_thread=True,
        summary="The round's record: event log, rules, engine version, result (auditor, council)",
        description="Check it offline with `pbengine replay record.json`.",
    )
    def record(self, uow: Work, caller: Caller, round_id: FromPath[int]) -> RoundRecord:
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
        "/{round_id:int}/trackers",
        sync_to_thread=True,
        summary="Trackers of the ballots counted and of those replaced (public once voting closes)",
        description="Each accepted ballot's reply carries its tracker. `trackers` lists the "
        "ballots that count; a ballot replaced by a later one under the same voter code is "
        "listed in `replaced` instead.",
    )
    def trackers(self, uow: Work, round_id: FromPath[int]) -> Trackers:
        return AuditService(uow).trackers(round_id)
