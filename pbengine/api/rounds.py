"""Routes for rounds: create, configure, move phases, import, allocate, results, export."""

from __future__ import annotations

from datetime import datetime

from anyio import to_thread
from litestar import Controller, Response, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, RawBody
from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from pbengine.api.deps import UNIT_OF_WORK, Caller, Work
from pbengine.core.phases import Phase
from pbengine.service.config import (
    BallotSettings,
    District,
    Fairness,
    OutcomePriority,
    RoundConfig,
    RoundPatch,
)
from pbengine.service.proposals import ProposalService
from pbengine.service.replies import PreflightReport, ResultsReport, RoundSummary, WhatIfReport
from pbengine.service.results import ResultsService, WhatIf
from pbengine.service.rounds import RoundService, RoundView


class RoundOut(BaseModel):
    id: int
    council: str
    title: str
    description: str
    phase: Phase
    budget: str
    currency: str
    rule: str = Field(description="the rule the allocation runs")
    ballot: BallotSettings
    districts: list[District]
    categories: list[str]
    outcomes: list[OutcomePriority]
    revote: bool
    fairness: Fairness | None
    reallocation: str = Field(description="how released money is reallocated")
    schedule: dict[Phase, datetime]
    frozen: list[str] = Field(description="settings that can no longer change")
    void_reason: str | None = Field(
        default=None, description="why the round was made void (phase void only)"
    )

    @classmethod
    def of(cls, view: RoundView) -> RoundOut:
        config = view.config
        return cls(
            id=view.id,
            council=view.council,
            title=view.title,
            description=config.description,
            phase=view.phase,
            budget=view.budget,
            currency=config.currency,
            rule=view.rule,
            ballot=config.ballot,
            districts=config.districts,
            categories=config.categories,
            outcomes=config.outcomes,
            revote=config.revote,
            fairness=config.fairness,
            reallocation=config.reallocation,
            schedule=config.schedule,
            frozen=list(view.frozen),
            void_reason=view.void_reason,
        )


VOID_NEEDS_A_REASON: JsonDict = {
    # The service refuses a void without a reason, and a reason for any other move.
    "if": {"properties": {"phase": {"const": Phase.VOID.value}}},
    "then": {
        "required": ["reason"],
        "properties": {"reason": {"type": "string", "pattern": r"\S"}},
    },
    "else": {"properties": {"reason": {"type": "null"}}},
}


class PhaseIn(BaseModel):
    # An unknown field (a council, a phase's time) is refused by name, never ignored.
    model_config = ConfigDict(extra="forbid", json_schema_extra=VOID_NEEDS_A_REASON)

    phase: str = Field(
        description="the phase to move to: one step forward, or 'void'",
        json_schema_extra={"enum": [p.value for p in Phase]},
    )
    reason: str | None = Field(
        default=None,
        max_length=4000,
        description="void only: why the round cannot produce a result (published with it)",
    )


class AllocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: str | None = Field(
        default=None,
        description="only the round's own rule is accepted; other rules: POST …/allocation/what-if",
    )


class RoundController(Controller):
    path = "/api/v1/rounds"
    tags = ("rounds",)
    dependencies = UNIT_OF_WORK

    @post("/", sync_to_thread=True, summary="Create a round in phase draft (council)")
    def create(self, uow: Work, caller: Caller, data: JSONBody[RoundConfig]) -> RoundOut:
        return RoundOut.of(RoundService(uow).create(caller, data))

    @get("/", sync_to_thread=True, summary="All rounds (public)")
    def list_rounds(self, uow: Work) -> list[RoundSummary]:
        return RoundService(uow).all_rounds()

    @get(
        "/{round_id:int}", sync_to_thread=True, summary="A round's configuration and phase (public)"
    )
    def read(self, uow: Work, round_id: FromPath[int]) -> RoundOut:
        return RoundOut.of(RoundService(uow).view(round_id))

    @patch(
        "/{round_id:int}",
        sync_to_thread=True,
        summary="Change settings (council); budget, ballot, rule... are frozen once voting opens",
    )
    def update(
        self, uow: Work, caller: Caller, round_id: FromPath[int], data: JSONBody[RoundPatch]
    ) -> RoundOut:
        return RoundOut.of(RoundService(uow).update(caller, round_id, data))

    @post(
        "/{round_id:int}/phase",
        sync_to_thread=True,
        status_code=200,
        summary="Move the round one phase on (council)",
    )
    def phase(
        self, uow: Work, caller: Caller, round_id: FromPath[int], data: JSONBody[PhaseIn]
    ) -> RoundOut:
        view = RoundService(uow).change_phase(caller, round_id, data.phase, data.reason)
        return RoundOut.of(view)

    @get(
        "/{round_id:int}/preflight",
        sync_to_thread=True,
        summary="What would stop voting from opening, each problem with its fix (council)",
        description="Moving to 'voting' runs the same check and refuses with 409 while any "
        "problem remains.",
    )
    def preflight(self, uow: Work, caller: Caller, round_id: FromPath[int]) -> PreflightReport:
        return RoundService(uow).preflight(caller, round_id)

    @post(
        "/{round_id:int}/outcomes",
        sync_to_thread=True,
        summary="Add an outcome priority, before voting opens (council)",
        description="Returns the round's outcome priorities, the new one last.",
    )
    def add_outcome(
        self,
        uow: Work,
        caller: Caller,
        round_id: FromPath[int],
        data: JSONBody[OutcomePriority],
    ) -> list[OutcomePriority]:
        return ProposalService(uow).add_outcome(caller, round_id, data)

    @post(
        "/{round_id:int}/allocation",
        sync_to_thread=True,
        status_code=200,
        summary="Run the round's declared rule on its ballots and store the result (council)",
    )
    def allocation(
        self,
        uow: Work,
        caller: Caller,
        round_id: FromPath[int],
        data: JSONBody[AllocationIn | None] = None,
    ) -> ResultsReport:
        return ResultsService(uow).allocate(caller, round_id, data.rule if data else None)

    @post(
        "/{round_id:int}/allocation/what-if",
        sync_to_thread=True,
        status_code=200,
        summary="What another rule or fairness document would fund: logged, never published "
        "(council)",
    )
    def what_if(
        self, uow: Work, caller: Caller, round_id: FromPath[int], data: JSONBody[WhatIf]
    ) -> WhatIfReport:
        return ResultsService(uow).what_if(caller, round_id, data)

    @get("/{round_id:int}/results", sync_to_thread=True, summary="Results (public once published)")
    def results(self, uow: Work, caller: Caller, round_id: FromPath[int]) -> ResultsReport:
        return ResultsService(uow).results(caller, round_id)

    @get(
        "/{round_id:int}/export.pb",
        sync_to_thread=True,
        summary="The round as a pabulib file (council, auditor)",
        media_type="text/plain; charset=utf-8",
    )
    def export(self, uow: Work, caller: Caller, round_id: FromPath[int]) -> Response[str]:
        text = RoundService(uow).export_pb(caller, round_id)
        return Response(text, media_type="text/plain; charset=utf-8")


class ImportController(Controller):
    """Importing a whole election is the one request that needs megabytes: the app mounts
    this controller under a larger body limit than every other route."""

    path = "/api/v1/rounds"
    tags = ("rounds",)
    dependencies = UNIT_OF_WORK

    @post(
        "/import",
        summary="Import a pabulib .pb file (the request body, UTF-8) as a closed round (council)",
        status_code=201,
    )
    async def import_round(
        self,
        uow: Work,
        caller: Caller,
        body: RawBody,
        title: FromQuery[str | None] = None,
        reallocation: FromQuery[str | None] = None,
    ) -> RoundOut:
        # Read, checked and stored in a worker thread, the body decoded as it is read: the
        # event loop goes on answering other requests meanwhile.
        def work() -> RoundOut:
            imported = RoundService(uow).import_pb(caller, body, title, reallocation)
            return RoundOut.of(imported)

        return await to_thread.run_sync(work)
