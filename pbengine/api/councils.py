"""Routes for round over round: a council's outcome priorities across its rounds, and a
next round started from the previous one's outcome priorities and their assessment."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.params import FromPath, JSONBody

from pbengine.api.deps import UNIT_OF_WORK, Caller, Work
from pbengine.api.rounds import RoundOut
from pbengine.service.outcomes_history import OutcomesHistoryService
from pbengine.service.outcomes_replies import OutcomesHistory, SuccessorIn, SuccessorSummary
from pbengine.service.successor import SuccessorService

CSV = "text/csv; charset=utf-8"


class SuccessorOut(SuccessorSummary):
    round: RoundOut


class CouncilController(Controller):
    path = "/api/v1/councils/{council:str}"
    tags = ("round over round",)
    dependencies = UNIT_OF_WORK

    @get(
        "/outcomes",
        sync_to_thread=True,
        summary="Each outcome priority across the council's rounds (public; CSV: /outcomes.csv)",
        description="For every round with a published result: funded projects and their "
        "cost, delivered and cancelled ones, actual spending, residents' help scores.",
    )
    def outcomes(self, uow: Work, council: FromPath[str]) -> OutcomesHistory:
        return OutcomesHistoryService(uow).history(council)

    @get(
        "/outcomes.csv",
        sync_to_thread=True,
        summary="The same as CSV, one line per outcome priority and round (public)",
        media_type=CSV,
    )
    def outcomes_csv(self, uow: Work, council: FromPath[str]) -> Response[str]:
        return Response(OutcomesHistoryService(uow).csv(council), media_type=CSV)


class SuccessorController(Controller):
    path = "/api/v1/rounds/{round_id:int}/successor"
    tags = ("round over round",)
    dependencies = UNIT_OF_WORK

    @post(
        "/",
        sync_to_thread=True,
        summary="Start the next round from this one's outcome priorities and assessment "
        "(council, from publication on)",
        description="A draft round copying the outcome priorities (each with this round's "
        "delivery and assessment of it in its description), districts, categories, ballot, "
        "rule, revote and reallocation settings; its budget is the one given plus, unless "
        "`carry` is false, what this round's reallocation carried over.",
    )
    def create(
        self, uow: Work, caller: Caller, round_id: FromPath[int], data: JSONBody[SuccessorIn]
    ) -> SuccessorOut:
        made = SuccessorService(uow).create(caller, round_id, data)
        return SuccessorOut(round=RoundOut.of(made.view), **made.summary.model_dump())
