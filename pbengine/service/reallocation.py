"""Reallocating the money released by cancelled or cheaper projects, once, by the round's rule.

The round declares its reallocation rule before voting (RoundConfig.reallocation, frozen
with the rest). In phase delivery the council applies it once: the released money is
what the delivery so far says (cancelled projects: their cost less what was spent on
them; delivered ones: what they came in under), the rule is one of
pbengine/core/reallocation, and the projects it funds join the delivery. A what-if shows
what another rule would fund; it is logged and never applied. Replay recomputes both from
the record with `reallocation_payload`, the function the service uses.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlmodel import Session

from pbengine.core import delivery as core
from pbengine.core.election import Election
from pbengine.core.money import plain
from pbengine.core.outcome import Outcome
from pbengine.core.phases import Phase
from pbengine.core.reallocation import ReallocationError, Release, reallocate
from pbengine.core.rules import UnknownRuleError
from pbengine.service.access import config_of, own_round, phase_of
from pbengine.service.config import Reallocation
from pbengine.service.delivery import folded
from pbengine.service.errors import ConflictError, InvalidError, Principal
from pbengine.service.replies import Reply
from pbengine.store.unit_of_work import UnitOfWork

WHAT_IF = "reallocation.what_if"
"""The same payload as allocation.reallocated, under another rule: never applied."""


class ReallocationWhatIf(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: Reallocation


class ReallocationOut(Reply):
    applied: bool
    """True: the round's own rule, now part of the delivery; False: a what-if."""
    rule: str
    released: str
    funded: list[dict[str, str]]
    carried: str
    decisions: list[dict[str, Any]]
    notes: list[str]
    inputs: dict[str, Any]


class ReallocationService:
    def __init__(self, work: UnitOfWork | Session) -> None:
        self.uow = UnitOfWork.of(work)

    def apply(self, principal: Principal, round_id: int) -> ReallocationOut:
        return self._run(principal, round_id, None)

    def what_if(
        self, principal: Principal, round_id: int, ask: ReallocationWhatIf
    ) -> ReallocationOut:
        return self._run(principal, round_id, ask.rule)

    def _run(self, principal: Principal, round_id: int, other: str | None) -> ReallocationOut:
        with self.uow as uow:
            row = own_round(uow.rounds, principal, round_id, for_change=True)
            if phase_of(row) is not Phase.DELIVERY:
                raise ConflictError(
                    "released money is reallocated in phase 'delivery'; "
                    f"the round is in '{row.phase}'",
                    "phase",
                )
            declared = config_of(uow.rounds, row).reallocation
            delivery = folded(uow, row)
            if other is None and uow.log.events_of(round_id, (core.REALLOCATED,)):
                raise ConflictError(
                    "this round's released money is already reallocated", "reallocation"
                )
            latest = uow.rounds.latest_allocation(round_id)
            assert latest is not None  # a round in delivery was published, so allocated
            try:
                payload = reallocation_payload(
                    uow.rounds.election(round_id), latest[0], delivery, other or declared
                )
            except (ReallocationError, UnknownRuleError) as exc:
                raise InvalidError(str(exc), "reallocation") from None
            uow.log.append(row, WHAT_IF if other is not None else core.REALLOCATED, payload)
            uow.commit()
            return ReallocationOut(applied=other is None, **payload)


def reallocation_payload(
    election: Election, outcome: Outcome, delivery: core.Delivery, rule: str
) -> dict[str, Any]:
    """What reallocating under `rule` gives, from the delivery so far: the event's payload."""
    cancelled = sorted(p for p, d in delivery.items() if d.cancelled is not None)
    spent = {p: min(delivery[p].spent, delivery[p].allocated) for p in cancelled}
    cheaper = {
        p: d.spent
        for p, d in delivery.items()
        # Delivered with its spending recorded: what it cost is known, and what it did not
        # use is released. A delivered project with no spending recorded releases nothing.
        if d.state == "delivered" and d.spending and d.spent < d.allocated and p in outcome.selected
    }
    release = Release(election, outcome, tuple(cancelled), spent, cheaper)
    result = reallocate(release, rule, outcome.rule)
    costs = {p.id: p.cost for p in election.projects}
    return {
        "rule": rule,
        "released": plain(result.released),
        "funded": [{"project": p, "cost": plain(costs[p])} for p in result.funded],
        "carried": plain(result.carried),
        "decisions": [
            {"project": d.project_id, "funded": d.funded, "explanation": d.explanation}
            for d in result.decisions
        ],
        "notes": list(result.notes),
        "inputs": {
            "cancelled": cancelled,
            "spent": {p: plain(v) for p, v in sorted(spent.items())},
            "actual_costs": {p: plain(v) for p, v in sorted(cheaper.items())},
        },
    }
