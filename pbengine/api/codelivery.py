"""Routes for co-delivery: anyone offers help with a funded project; the council sees who."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody

from pbengine.api.deps import UNIT_OF_WORK, Caller, Work
from pbengine.service.codelivery import (
    CoDeliveryService,
    SignedUp,
    TookPartIn,
    VolunteerForCouncil,
    VolunteerIn,
)


class CoDeliveryController(Controller):
    path = "/api/v1/rounds/{round_id:int}"
    tags = ("delivery",)
    dependencies = UNIT_OF_WORK

    @post(
        "/delivery/{project:str}/volunteers",
        sync_to_thread=True,
        summary="Offer to help deliver a funded project (anyone; the contact stays private)",
    )
    def sign_up(
        self,
        uow: Work,
        round_id: FromPath[int],
        project: FromPath[str],
        data: JSONBody[VolunteerIn],
    ) -> SignedUp:
        return CoDeliveryService(uow).sign_up(round_id, project, data)

    @get("/volunteers", sync_to_thread=True, summary="The volunteers with their contacts (council)")
    def volunteers(
        self, uow: Work, caller: Caller, round_id: FromPath[int]
    ) -> list[VolunteerForCouncil]:
        return CoDeliveryService(uow).volunteers(caller, round_id)

    @post(
        "/volunteers/{volunteer:int}/took-part",
        sync_to_thread=True,
        status_code=200,
        summary="Record whether a volunteer took part (council)",
    )
    def took_part(
        self,
        uow: Work,
        caller: Caller,
        round_id: FromPath[int],
        volunteer: FromPath[int],
        data: JSONBody[TookPartIn],
    ) -> VolunteerForCouncil:
        return CoDeliveryService(uow).took_part(caller, round_id, volunteer, data)
