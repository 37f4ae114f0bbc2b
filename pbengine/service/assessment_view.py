"""A round's assessment as the log holds it, and summed up for the public.

The assessments are folded from the round's events (core/assessment.py), with the
delivery they assess folded the same way (service/delivery.py): what is shown is what
the record replays. Only the comments' text comes from a table of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from pbengine.core import assessment as core
from pbengine.core import delivery as core_delivery
from pbengine.service.access import config_of, phase_of
from pbengine.service.assessment_replies import (
    AssessmentView,
    CommentOut,
    OutcomeAssessmentOut,
    ProjectAssessmentOut,
    ScoresOut,
)
from pbengine.service.delivery import folded
from pbengine.service.proposals import project_out
from pbengine.store.tables import RoundRow
from pbengine.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class AfterVote:
    """A round's delivery and assessment so far."""

    delivery: core_delivery.Delivery
    serves: dict[str, tuple[str, ...]]
    """Every project the delivery holds: the outcome priorities it serves."""
    titles: dict[str, str]
    assessments: core.Assessments

    @property
    def assessable(self) -> dict[str, tuple[str, ...]]:
        return {p: self.serves[p] for p, d in self.delivery.items() if d.state == "delivered"}


def after_vote(uow: UnitOfWork, row: RoundRow) -> AfterVote:
    assert row.id is not None
    delivery = folded(uow, row)
    outs = {p.project_key: project_out(p) for p in uow.rounds.projects(row.id)}
    serves = {key: tuple(outs[key].outcomes) for key in delivery}
    state = AfterVote(delivery, serves, {k: o.title for k, o in outs.items()}, core.Assessments())
    assessable = state.assessable
    for event in uow.log.events_of(row.id, (core.ASSESSED, core.ANSWERED)):
        core.apply(
            state.assessments,
            event.type,
            event.payload,
            event_hash=event.hash,
            assessable=assessable,
            funded=serves,
        )
    return state


def assessment_view(uow: UnitOfWork, row: RoundRow) -> AssessmentView:
    assert row.id is not None
    state = after_vote(uow, row)
    comments = uow.assessments.comments(row.id)
    live = list(state.assessments.live.values())
    projects = []
    for key, delivery in state.delivery.items():
        mine = state.assessments.of_project(key)
        summary = core.project_summary(mine, state.serves[key])
        projects.append(
            ProjectAssessmentOut(
                project=key,
                title=state.titles.get(key, key),
                state=delivery.state,
                outcomes=list(state.serves[key]),
                **{**summary, "helped": {k: ScoresOut(**v) for k, v in summary["helped"].items()}},
                comments=[
                    CommentOut(assessor=a.assessor, comment=c.text, salt=c.salt)
                    for a in mine
                    if (c := comments.get(a.hash)) is not None
                ],
                answer=state.assessments.answers.get(key),
            )
        )
    outcomes = []
    for priority in config_of(uow.rounds, row).outcomes:
        serving = [p for p, keys in state.assessable.items() if priority.key in keys]
        outcomes.append(
            OutcomeAssessmentOut(
                key=priority.key,
                title=priority.title,
                projects=serving,
                **core.outcome_summary(live, priority.key),
            )
        )
    assessors = {a.assessor: a.district for a in live}
    return AssessmentView(
        round=row.id,
        phase=phase_of(row),
        respondents=len(assessors),
        by_district=core.by_district(assessors.values()),
        projects=projects,
        outcomes=outcomes,
    )
