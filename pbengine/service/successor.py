"""A council's next round, started from the previous one's outcome priorities and their
assessment.

The new round is a draft like any other (RoundService.create, logged as round.created):
it copies the previous round's outcome priorities, each with what the previous round
funded, delivered, spent and how residents scored its help appended to its description;
its districts, categories, ballot settings, rule, revote and reallocation settings; and
takes the budget the council gives, plus, unless asked not to, the money the previous
round's reallocation carried to its next round. The fairness document and the schedule
are not copied: they name amounts and dates of the old round.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from pbengine.core import delivery as core_delivery
from pbengine.core.money import parse_amount, plain
from pbengine.core.phases import AFTER_PUBLICATION
from pbengine.service.access import config_of, own_round, phase_of
from pbengine.service.config import OutcomePriority, validated_config
from pbengine.service.errors import ConflictError, Principal
from pbengine.service.outcomes_history import outcomes_in_round
from pbengine.service.outcomes_replies import OutcomeInRound, SuccessorIn, SuccessorSummary
from pbengine.service.rounds import RoundService, RoundView
from pbengine.store.unit_of_work import UnitOfWork

NOT_COPIED = ["fairness", "schedule"]
DESCRIPTION = 4000  # OutcomePriority.description's limit


@dataclass(frozen=True)
class Successor:
    view: RoundView
    summary: SuccessorSummary


class SuccessorService:
    def __init__(self, work: UnitOfWork | Session) -> None:
        self.uow = UnitOfWork.of(work)

    def create(self, principal: Principal, round_id: int, order: SuccessorIn) -> Successor:
        with self.uow as uow:
            row = own_round(uow.rounds, principal, round_id)
            if phase_of(row) not in AFTER_PUBLICATION:
                raise ConflictError(
                    "a next round starts from a round whose result is published; this one is "
                    f"in '{row.phase}'",
                    "phase",
                )
            old = config_of(uow.rounds, row)
            # An imported round's rule is the one its file declares (the header's).
            rule = old.effective_rule or row.rule
            previous = outcomes_in_round(uow, row)
            applied = uow.log.events_of(round_id, (core_delivery.REALLOCATED,))
            carried = str(applied[-1].payload["carried"]) if applied and order.carry else "0"
        budget = parse_amount(order.budget) + parse_amount(carried)
        config = validated_config(
            {
                **old.model_dump(mode="json", exclude={"fairness", "schedule"}),
                "title": order.title or f"{old.title} (next round)"[:200],
                "description": _description(round_id, old.title, carried, old.currency),
                "budget": plain(budget),
                "rule": rule,
                "outcomes": [
                    _with_summary(o, previous.get(o.key)).model_dump() for o in old.outcomes
                ],
            }
        )
        view = RoundService(self.uow).create(principal, config)
        return Successor(
            view,
            SuccessorSummary(
                from_round=round_id,
                budget_given=order.budget,
                carried=carried,
                previous=list(previous.values()),
                not_copied=NOT_COPIED,
            ),
        )


def _description(round_id: int, title: str, carried: str, currency: str) -> str:
    text = f"Follows round {round_id} ({title})."
    if carried != "0":
        text += f" Its budget includes {carried} {currency} released there and carried over."
    return text[:10_000]


def _with_summary(priority: OutcomePriority, found: OutcomeInRound | None) -> OutcomePriority:
    """The priority with the previous round's delivery and assessment of it appended."""
    if found is None:
        return priority
    mean = f"mean help {found.mean_help} of 5" if found.mean_help else "no help scores"
    summary = (
        f"In round {found.round} ({found.round_title}): {found.funded_projects} projects "
        f"funded for {found.funded_cost} {found.currency}, {found.delivered_projects} "
        f"delivered, {found.cancelled_projects} cancelled, {found.spent} {found.currency} "
        f"spent; {found.respondents} residents assessed them, {mean}."
    )
    kept = priority.description[: DESCRIPTION - len(summary) - 2].rstrip()
    fields: dict[str, Any] = priority.model_dump()
    fields["description"] = f"{kept}\n\n{summary}" if kept else summary
    return OutcomePriority(**fields)
