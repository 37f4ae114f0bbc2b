"""Routes for rounds: import, read, allocate, change phase, results, export."""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, RawBody
from pydantic import BaseModel, Field
from sqlmodel import Session

from pbengine.service.rounds import InvalidError, Principal, RoundService
from pbengine.store.tables import RoundRow


class RoundOut(BaseModel):
    id: int
    council: str
    title: str
    phase: str
    budget: str
    vote_type: str
    rule: str

    @classmethod
    def of(cls, row: RoundRow) -> RoundOut:
        assert row.id is not None
        return cls(
            id=row.id,
            council=row.council,
            title=row.title,
            phase=row.phase,
            budget=row.budget,
            vote_type=row.vote_type,
            rule=row.rule,
        )


class PhaseIn(BaseModel):
    phase: str = Field(description="the phase to move to: one step forward")


class AllocationIn(BaseModel):
    rule: str | None = Field(default=None, description="a rule name; default: the round's rule")


# Provided by the app for each request (see app.create_app).
DbSession = NamedDependency[Session]
Caller = NamedDependency[Principal]


class RoundController(Controller):
    path = "/api/v1/rounds"
    tags = ("rounds",)

    @post(
        "/import",
        summary="Import a pabulib .pb file (the request body, UTF-8) as a closed round (council)",
        status_code=201,
    )
    async def import_round(
        self,
        session: DbSession,
        caller: Caller,
        body: RawBody,
        title: FromQuery[str | None] = None,
    ) -> RoundOut:
        text = _decode(body)

        def work() -> RoundOut:
            row = RoundService(session).import_pb(caller, text, title)
            return RoundOut.of(row)

        return await to_thread.run_sync(work)

    @get(
        "/{round_id:int}", sync_to_thread=True, summary="A round's configuration and phase (public)"
    )
    def read(self, session: DbSession, round_id: FromPath[int]) -> RoundOut:
        return RoundOut.of(RoundService(session).get(round_id))

    @post(
        "/{round_id:int}/allocation",
        sync_to_thread=True,
        status_code=200,
        summary="Run the round's rule on its ballots and store the result (council)",
    )
    def allocation(
        self,
        session: DbSession,
        caller: Caller,
        round_id: FromPath[int],
        data: JSONBody[AllocationIn | None] = None,
    ) -> dict[str, Any]:
        return RoundService(session).allocate(caller, round_id, data.rule if data else None)

    @post(
        "/{round_id:int}/phase",
        sync_to_thread=True,
        status_code=200,
        summary="Move the round one phase on (council)",
    )
    def phase(
        self,
        session: DbSession,
        caller: Caller,
        round_id: FromPath[int],
        data: JSONBody[PhaseIn],
    ) -> RoundOut:
        row = RoundService(session).change_phase(caller, round_id, data.phase)
        return RoundOut.of(row)

    @get("/{round_id:int}/results", sync_to_thread=True, summary="Results (public once published)")
    def results(
        self, session: DbSession, caller: Caller, round_id: FromPath[int]
    ) -> dict[str, Any]:
        return RoundService(session).results(caller, round_id)

    @get(
        "/{round_id:int}/export.pb",
        sync_to_thread=True,
        summary="The round as a pabulib file (council, auditor)",
        media_type="text/plain; charset=utf-8",
    )
    def export(self, session: DbSession, caller: Caller, round_id: FromPath[int]) -> Response[str]:
        text = RoundService(session).export_pb(caller, round_id)
        return Response(text, media_type="text/plain; charset=utf-8")


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidError("the .pb file must be UTF-8 text", "body") from None
