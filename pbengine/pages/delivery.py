"""`/rounds/{id}/delivery`: what became of the funded projects, for residents to follow."""

from __future__ import annotations

from datetime import date

from litestar import Controller, get
from litestar.params import FromPath
from litestar.response import Template

from pbengine.pages.deps import DEPENDENCIES, Lang, Work
from pbengine.pages.explain import N_, PHASES
from pbengine.pages.templating import page
from pbengine.service.delivery import DeliveryService
from pbengine.service.errors import ConflictError
from pbengine.service.rounds import RoundService

STATES = {
    "planned": N_("Not started yet"),
    "in_progress": N_("In progress"),
    "delivered": N_("Delivered"),
    "cancelled": N_("Will not be delivered"),
}
MILESTONES = {
    "planned": N_("planned"),
    "in_progress": N_("in progress"),
    "delivered": N_("delivered"),
    "delayed": N_("delayed"),
    "cancelled": N_("cancelled"),
}
REALLOCATIONS = {
    "next-in-order": N_("the next projects in the order of the vote that fit"),
    "rerun": N_("the projects chosen by running the round's rule again on the projects left"),
    "carry": N_("the council's next round"),
}


class DeliveryPages(Controller):
    path = "/rounds/{round_id:int}/delivery"
    dependencies = DEPENDENCIES
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def delivery(self, uow: Work, language: Lang, round_id: FromPath[int]) -> Template:
        view = RoundService(uow).view(round_id)
        try:
            delivery = DeliveryService(uow).view(round_id)
        except ConflictError:
            delivery = None
        return page(
            "delivery.html",
            language,
            round=view,
            phases=PHASES,
            delivery=delivery,
            states=STATES,
            milestones=MILESTONES,
            reallocations=REALLOCATIONS,
            day=lambda text: language.date(date.fromisoformat(text)) if text else "",
        )
