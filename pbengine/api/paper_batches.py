"""Routes for paper batches: entered twice by two staff members, reconciled, then counted.

Council staff of the round's council only (docs/voting.md, "Paper batches").
"""

from __future__ import annotations

from litestar import Controller, get, post, put
from litestar.params import FromPath, JSONBody

from pbengine.api.deps import UNIT_OF_WORK, Caller, Work
from pbengine.service.paper_batches import (
    BatchIn,
    DecisionIn,
    PaperBallotIn,
    PaperBatchService,
    PaperEntryIn,
)
from pbengine.service.paper_replies import BatchCounted, BatchSummary, BatchView, PaperEntryOut


class PaperBatchController(Controller):
    path = "/api/v1/rounds/{round_id:int}/paper-batches"
    tags = ("paper batches",)
    dependencies = UNIT_OF_WORK

    @post("/", sync_to_thread=True, summary="Open a batch of paper ballots (council)")
    def open(
        self, uow: Work, caller: Caller, round_id: FromPath[int], data: JSONBody[BatchIn]
    ) -> BatchSummary:
        return PaperBatchService(uow).open(caller, round_id, data)

    @get("/", sync_to_thread=True, summary="The round's batches, their status and passes")
    def batches(self, uow: Work, caller: Caller, round_id: FromPath[int]) -> list[BatchSummary]:
        return PaperBatchService(uow).batches(caller, round_id)

    @get(
        "/{batch_id:int}",
        sync_to_thread=True,
        summary="A batch: its passes, every disagreement, what stops it from counting",
    )
    def show(
        self, uow: Work, caller: Caller, round_id: FromPath[int], batch_id: FromPath[int]
    ) -> BatchView:
        return PaperBatchService(uow).show(caller, round_id, batch_id)

    @get(
        "/{batch_id:int}/ballots",
        sync_to_thread=True,
        summary="The caller's own pass, in paper order",
    )
    def entries(
        self, uow: Work, caller: Caller, round_id: FromPath[int], batch_id: FromPath[int]
    ) -> list[PaperEntryOut]:
        return PaperBatchService(uow).entries(caller, round_id, batch_id)

    @post(
        "/{batch_id:int}/ballots",
        sync_to_thread=True,
        summary="Enter the next paper ballot of the caller's pass (checked at once)",
        description="The first staff member to enter takes pass 1, another pass 2; nobody "
        "enters both.",
    )
    def enter(
        self,
        uow: Work,
        caller: Caller,
        round_id: FromPath[int],
        batch_id: FromPath[int],
        data: JSONBody[PaperEntryIn],
    ) -> PaperEntryOut:
        return PaperBatchService(uow).enter(caller, round_id, batch_id, data)

    @put(
        "/{batch_id:int}/ballots/{position:int}",
        sync_to_thread=True,
        summary="Correct a ballot of the caller's own pass",
    )
    def correct(
        self,
        *,
        uow: Work,
        caller: Caller,
        round_id: FromPath[int],
        batch_id: FromPath[int],
        position: FromPath[int],
        data: JSONBody[PaperBallotIn],
    ) -> PaperEntryOut:
        return PaperBatchService(uow).correct(caller, round_id, batch_id, position, data)

    @post(
        "/{batch_id:int}/resolutions",
        status_code=200,
        sync_to_thread=True,
        summary="Decide a position after looking at the paper: pass 1, pass 2, typed, set aside",
    )
    def resolve(
        self,
        uow: Work,
        caller: Caller,
        round_id: FromPath[int],
        batch_id: FromPath[int],
        data: JSONBody[DecisionIn],
    ) -> BatchView:
        return PaperBatchService(uow).resolve(caller, round_id, batch_id, data)

    @post(
        "/{batch_id:int}/count",
        status_code=200,
        sync_to_thread=True,
        summary="Count a reconciled batch: every ballot cast at once, or none",
    )
    def count(
        self, uow: Work, caller: Caller, round_id: FromPath[int], batch_id: FromPath[int]
    ) -> BatchCounted:
        return PaperBatchService(uow).count(caller, round_id, batch_id)
