"""Co-delivery: residents and organisations offer to help deliver a funded project.

Anyone may sign up while a project is to be delivered (published or delivery). Their
name, offer and contact are kept for the round's council only: public replies and the
round's record carry a sign-up's number, project and kind, never who or how to reach
them. The council lists the volunteers with their contacts and records who took part.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from pbengine.core import delivery as core
from pbengine.core.phases import Phase
from pbengine.service.access import get_round, own_round, phase_of
from pbengine.service.delivery import folded
from pbengine.service.errors import ConflictError, NotFoundError, Principal
from pbengine.service.replies import Reply
from pbengine.store.tables import VolunteerRow
from pbengine.store.unit_of_work import UnitOfWork

OPEN = (Phase.PUBLISHED, Phase.DELIVERY)


class VolunteerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="a person or an organisation")
    kind: Literal["resident", "organisation"] = "resident"
    offer: str = Field(min_length=1, max_length=2000, description="what they offer to do")
    contact: str = Field(
        min_length=3, max_length=200, description="an email or phone; only the council sees it"
    )


class TookPartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    took_part: bool
    note: str = Field(default="", max_length=1000, description="for the council; not public")


class SignedUp(Reply):
    volunteer: int
    project: str
    message: str


class VolunteerForCouncil(Reply):
    volunteer: int
    project: str
    name: str
    kind: str
    offer: str
    contact: str
    took_part: bool | None
    note: str


class CoDeliveryService:
    def __init__(self, work: UnitOfWork | Session) -> None:
        self.uow = UnitOfWork.of(work)

    def sign_up(self, round_id: int, project: str, offer: VolunteerIn) -> SignedUp:
        with self.uow as uow:
            row = get_round(uow.rounds, round_id, for_change=True)
            if phase_of(row) not in OPEN:
                raise ConflictError(
                    "volunteers sign up once the results are published, until delivery ends",
                    "phase",
                )
            found = folded(uow, row).get(project)
            if found is None or found.cancelled is not None:
                raise NotFoundError(f"project {project!r} is not to be delivered", "project")
            assert row.id is not None
            stored = uow.volunteers.add(
                VolunteerRow(round_id=row.id, project_key=project, **offer.model_dump())
            )
            assert stored.id is not None
            uow.log.append(
                row,
                core.SIGNED_UP,
                {"volunteer": stored.id, "project": project, "kind": offer.kind},
            )
            uow.commit()
            return SignedUp(
                volunteer=stored.id,
                project=project,
                message="thank you: the council will contact you; your contact is not published",
            )

    def volunteers(self, principal: Principal, round_id: int) -> list[VolunteerForCouncil]:
        with self.uow as uow:
            own_round(uow.rounds, principal, round_id)
            return [_for_council(v) for v in uow.volunteers.of_round(round_id)]

    def took_part(
        self, principal: Principal, round_id: int, volunteer_id: int, mark: TookPartIn
    ) -> VolunteerForCouncil:
        with self.uow as uow:
            row = own_round(uow.rounds, principal, round_id, for_change=True)
            volunteer = uow.volunteers.get(round_id, volunteer_id)
            if volunteer is None:
                raise NotFoundError(f"no volunteer {volunteer_id} in this round", "volunteer")
            volunteer.took_part, volunteer.note = mark.took_part, mark.note
            uow.session.add(volunteer)
            uow.log.append(
                row, core.TOOK_PART, {"volunteer": volunteer_id, "took_part": mark.took_part}
            )
            reply = _for_council(volunteer)
            uow.commit()
            return reply


def _for_council(v: VolunteerRow) -> VolunteerForCouncil:
    assert v.id is not None
    return VolunteerForCouncil(
        volunteer=v.id,
        project=v.project_key,
        name=v.name,
        kind=v.kind,
        offer=v.offer,
        contact=v.contact,
        took_part=v.took_part,
        note=v.note,
    )
