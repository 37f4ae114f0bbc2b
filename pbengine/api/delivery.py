"""Routes for the delivery of funded projects: anyone reads it, the council records it.

Every change answers with the whole delivery (200), as the public reads it.
"""

from __future__ import annotations

from litestar import Controller, get, post, put
from litestar.params import FromPath, JSONBody

from pbengine.api.deps import UNIT_OF_WORK, Caller, Work
from pbengine.service.delivery import DeliveryService
from pbengine.service.delivery_replies import CancelIn, DeliveryOut, LinkIn, MilestoneIn, SpendIn
from pbengine.service.reallocation import ReallocationOut, ReallocationService, ReallocationWhatIf


class DeliveryController(Controller):
    path = "/api/v1/rounds/{round_id:int}/delivery"
    tags = ("delivery",)
    dependencies = UNIT_OF_WORK

    @get("/", sync_to_thread=True, summary="Every funded project's delivery (public)")
    def view(self, uow: Work, round_id: FromPath[int]) -> DeliveryOut:
        return DeliveryService(uow).view(round_id)

    @post(
        "/{project:str}/milestones",
        sync_to_thread=True,
        status_code=200,
        summary="Add a milestone to a funded project (council, in phase delivery)",
    )
    def add_milestone(
        self,
        uow: Work,
        caller: Caller,
        round_id: FromPath[int],
        project: FromPath[str],
        data: JSONBody[MilestoneIn],
    ) -> DeliveryOut:
        return DeliveryService(uow).milestone(caller, round_id, project, data)

    @put(
        "/{project:str}/milestones/{number:int}",
        sync_to_thread=True,
        summary="Change a milestone: its dates, status, reason (council, in phase delivery)",
    )
    def change_milestone(
        self,
        *,
        uow: Work,
        caller: Caller,
        round_id: FromPath[int],
        project: FromPath[str],
        number: FromPath[int],
        data: JSONBody[MilestoneIn],
    ) -> DeliveryOut:
        return DeliveryService(uow).milestone(caller, round_id, project, data, number=number)

    @post(
        "/{project:str}/spending",
        sync_to_thread=True,
        status_code=200,
        summary="Record money spent on a funded project (council, in phase delivery)",
    )
    def spend(
        self,
        uow: Work,
        caller: Caller,
        round_id: FromPath[int],
        project: FromPath[str],
        data: JSONBody[SpendIn],
    ) -> DeliveryOut:
        return DeliveryService(uow).spend(caller, round_id, project, data)

    @post(
        "/{project:str}/links",
        sync_to_thread=True,
        status_code=200,
        summary="Link a photo or document to a funded project (council, in phase delivery)",
    )
    def link(
        self,
        uow: Work,
        caller: Caller,
        round_id: FromPath[int],
        project: FromPath[str],
        data: JSONBody[LinkIn],
    ) -> DeliveryOut:
        return DeliveryService(uow).link(caller, round_id, project, data)

    @post(
        "/{project:str}/cancel",
        sync_to_thread=True,
        status_code=200,
        summary="Cancel a funded project, with a public reason (council, in phase delivery)",
    )
    def cancel(
        self,
        uow: Work,
        caller: Caller,
        round_id: FromPath[int],
        project: FromPath[str],
        data: JSONBody[CancelIn],
    ) -> DeliveryOut:
        return DeliveryService(uow).cancel(caller, round_id, project, data)


class ReallocationController(Controller):
    path = "/api/v1/rounds/{round_id:int}/reallocation"
    tags = ("delivery",)
    dependencies = UNIT_OF_WORK

    @post(
        "/",
        sync_to_thread=True,
        status_code=200,
        summary="Reallocate released money by the round's declared rule, once (council, delivery)",
        description="Money released by cancelled projects (less what was spent on them) and by "
        "delivered projects that cost less funds projects under the rule the round declared "
        "before voting; they join the delivery. docs/reallocation.md.",
    )
    def apply(self, uow: Work, caller: Caller, round_id: FromPath[int]) -> ReallocationOut:
        return ReallocationService(uow).apply(caller, round_id)

    @post(
        "/what-if",
        sync_to_thread=True,
        status_code=200,
        summary="What another reallocation rule would fund (council; logged, never applied)",
    )
    def what_if(
        self, uow: Work, caller: Caller, round_id: FromPath[int], data: JSONBody[ReallocationWhatIf]
    ) -> ReallocationOut:
        return ReallocationService(uow).what_if(caller, round_id, data)
