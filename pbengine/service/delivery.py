"""The delivery of a round's funded projects: council staff record it, anyone reads it.

Delivery lives in the round's log, one event per change (core/delivery.py), so the
record carries it and replay checks it like everything else; nothing about it is kept
anywhere else. Changes are taken in phase `delivery`; the view is public from
publication on.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from sqlmodel import Session

from pbengine.core import delivery as core
from pbengine.core.money import parse_amount
from pbengine.core.phases import AFTER_PUBLICATION, Phase
from pbengine.service.access import get_round, own_round, phase_of
from pbengine.service.delivery_replies import (
    CancelIn,
    DeliveryOut,
    LinkIn,
    MilestoneIn,
    ProjectDeliveryOut,
    ReallocatedOut,
    ReallocationDecisionOut,
    SpendIn,
)
from pbengine.service.errors import ConflictError, InvalidError, NotFoundError, Principal
from pbengine.service.proposals import project_out
from pbengine.store.tables import RoundRow
from pbengine.store.unit_of_work import UnitOfWork


class DeliveryService:
    def __init__(self, work: UnitOfWork | Session) -> None:
        self.uow = UnitOfWork.of(work)

    def view(self, round_id: int) -> DeliveryOut:
        with self.uow as uow:
            row = get_round(uow.rounds, round_id)
            if phase_of(row) not in AFTER_PUBLICATION:
                raise ConflictError("delivery is shown once the results are published", "phase")
            return _view(uow, row, folded(uow, row))

    def milestone(
        self,
        principal: Principal,
        round_id: int,
        project: str,
        milestone: MilestoneIn,
        number: int | None = None,
    ) -> DeliveryOut:
        """A new milestone (number None: the next), or milestone `number` changed."""
        return self._change(
            principal, round_id, core.MILESTONE, project, milestone.model_dump(), number=number
        )

    def spend(
        self, principal: Principal, round_id: int, project: str, spend: SpendIn
    ) -> DeliveryOut:
        return self._change(principal, round_id, core.SPEND, project, spend.model_dump())

    def link(self, principal: Principal, round_id: int, project: str, link: LinkIn) -> DeliveryOut:
        return self._change(principal, round_id, core.LINK, project, link.model_dump())

    def cancel(
        self, principal: Principal, round_id: int, project: str, cancel: CancelIn
    ) -> DeliveryOut:
        return self._change(principal, round_id, core.CANCELLED, project, cancel.model_dump())

    def _change(
        self,
        principal: Principal,
        round_id: int,
        kind: str,
        project: str,
        fields: Mapping[str, Any],
        *,
        number: int | None = None,
    ) -> DeliveryOut:
        with self.uow as uow:
            row = own_round(uow.rounds, principal, round_id, for_change=True)
            if phase_of(row) is not Phase.DELIVERY:
                raise ConflictError(
                    f"delivery is recorded in phase 'delivery'; the round is in '{row.phase}'",
                    "phase",
                )
            delivery = folded(uow, row)
            if project not in delivery:
                raise NotFoundError(f"project {project!r} was not funded in this round", "project")
            payload = {"project": project, **fields}
            if kind == core.MILESTONE:
                payload["number"] = _milestone_number(delivery[project], number)
            try:
                core.apply(delivery, kind, payload)
            except core.DeliveryError as exc:
                raise InvalidError(exc.problem, exc.field) from None
            uow.log.append(row, kind, payload)
            reply = _view(uow, row, delivery)
            uow.commit()
            return reply


def _milestone_number(project: core.ProjectDelivery, number: int | None) -> int:
    """A new milestone takes the next number; a change names one the project has."""
    if number is None:
        return len(project.milestones) + 1
    if number not in project.milestones:
        raise NotFoundError(f"project {project.project!r} has no milestone {number}", "number")
    return number


def funded_costs(uow: UnitOfWork, round_id: int) -> dict[str, Fraction]:
    """The published result's projects and the costs it funded them at, in funding order."""
    latest = uow.rounds.latest_allocation(round_id)
    if latest is None:
        return {}
    # The project rows, not the election: a city's ballots need not load to show delivery.
    costs = {p.project_key: parse_amount(p.cost) for p in uow.rounds.projects(round_id)}
    return {project: costs[project] for project in latest[0].selected}


def folded(uow: UnitOfWork, row: RoundRow) -> core.Delivery:
    """The round's delivery so far: its funded projects (and any a reallocation funded)."""
    assert row.id is not None
    events = uow.log.events_of(row.id, core.KINDS)
    return core.fold(funded_costs(uow, row.id), ((e.type, e.payload) for e in events))


def _view(uow: UnitOfWork, row: RoundRow, delivery: core.Delivery) -> DeliveryOut:
    assert row.id is not None
    titles = {p.project_key: project_out(p).title for p in uow.rounds.projects(row.id)}
    projects = [
        ProjectDeliveryOut(title=titles.get(key, key), **core.to_json(found))
        for key, found in delivery.items()
    ]
    applied = uow.log.events_of(row.id, (core.REALLOCATED,))
    reallocation = None
    if applied:
        p = applied[-1].payload
        reallocation = ReallocatedOut(
            rule=p["rule"],
            released=p["released"],
            funded=[f["project"] for f in p["funded"]],
            carried=p["carried"],
            decisions=[ReallocationDecisionOut(**d) for d in p["decisions"]],
        )
    return DeliveryOut(
        round=row.id, phase=phase_of(row), projects=projects, reallocation=reallocation
    )
