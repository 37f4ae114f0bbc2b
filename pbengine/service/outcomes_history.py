"""Round over round: each outcome priority across a council's rounds (public).

For every round with a published result: the funded projects serving the priority and
what they were funded at, how many were delivered or cancelled, what was actually spent,
and how residents scored their help. All of it is folded from each round's log, as the
round's delivery and assessment are (service/assessment_view.py). JSON or CSV.
"""

from __future__ import annotations

import csv
import io
from fractions import Fraction

from sqlmodel import Session

from pbengine.core import assessment as core
from pbengine.core.money import plain
from pbengine.core.phases import AFTER_PUBLICATION
from pbengine.service.access import config_of, phase_of
from pbengine.service.assessment_view import after_vote
from pbengine.service.errors import NotFoundError
from pbengine.service.outcomes_replies import (
    CSV_COLUMNS,
    OutcomeHistory,
    OutcomeInRound,
    OutcomesHistory,
)
from pbengine.store.tables import RoundRow
from pbengine.store.unit_of_work import UnitOfWork


class OutcomesHistoryService:
    def __init__(self, work: UnitOfWork | Session) -> None:
        self.uow = UnitOfWork.of(work)

    def history(self, council: str) -> OutcomesHistory:
        with self.uow as uow:
            rows = [r for r in uow.rounds.rounds() if r.council == council]
            if not rows:
                raise NotFoundError(f"no rounds of council {council!r}", "council")
            public = [r for r in rows if phase_of(r) in AFTER_PUBLICATION]
            by_key: dict[str, list[OutcomeInRound]] = {}
            for row in sorted(public, key=lambda r: r.id or 0):
                for key, found in outcomes_in_round(uow, row).items():
                    by_key.setdefault(key, []).append(found)
            return OutcomesHistory(
                council=council,
                rounds=sorted(r.id or 0 for r in public),
                outcomes=[OutcomeHistory(key=k, rounds=v) for k, v in by_key.items()],
            )

    def csv(self, council: str) -> str:
        """The same, one line per outcome priority and round."""
        history = self.history(council)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for outcome in history.outcomes:
            writer.writerows(found.row(outcome.key) for found in outcome.rounds)
        return out.getvalue()


def outcomes_in_round(uow: UnitOfWork, row: RoundRow) -> dict[str, OutcomeInRound]:
    """Each of the round's outcome priorities, as its delivery and assessment stand."""
    assert row.id is not None
    config = config_of(uow.rounds, row)
    state = after_vote(uow, row)
    live = list(state.assessments.live.values())
    found = {}
    for priority in config.outcomes:
        serving = [d for key, d in state.delivery.items() if priority.key in state.serves[key]]
        assessed = core.outcome_summary(live, priority.key)
        found[priority.key] = OutcomeInRound(
            round=row.id,
            round_title=row.title,
            phase=phase_of(row),
            title=priority.title,
            currency=config.currency,
            funded_projects=len(serving),
            funded_cost=plain(sum((d.allocated for d in serving), Fraction(0))),
            delivered_projects=sum(d.state == "delivered" for d in serving),
            cancelled_projects=sum(d.state == "cancelled" for d in serving),
            spent=plain(sum((d.spent for d in serving), Fraction(0))),
            respondents=assessed["respondents"],
            scores=assessed["scores"],
            mean_help=assessed["mean"],
        )
    return found
