"""What the paper batch service answers with (service/paper_batches.py; docs/voting.md).

Voter codes never appear: a ballot shows the last characters of its code
(`code_hint`), enough for staff holding the paper to tell which it is.
"""

from __future__ import annotations

from pydantic import Field

from pbengine.core.double_entry import Decision, Disagreement, PaperBallot
from pbengine.service.replies import Reply


class PaperBallotOut(Reply):
    code_hint: str = Field(description="the voter code's last 4 characters; the code is not kept")
    projects: list[str]
    points: list[str] | None = Field(description="cumulative and scoring ballots, per project")
    outcomes: list[str]

    @classmethod
    def of(cls, ballot: PaperBallot) -> PaperBallotOut:
        return cls(
            code_hint=ballot.hint,
            projects=list(ballot.projects),
            points=None if ballot.points is None else list(ballot.points),
            outcomes=list(ballot.outcomes),
        )


def _shown(ballot: PaperBallot | None) -> PaperBallotOut | None:
    return None if ballot is None else PaperBallotOut.of(ballot)


class PassOut(Reply):
    pass_number: int
    staff: str | None = Field(description="who enters this pass; none until someone starts it")
    ballots: int


class PaperEntryOut(Reply):
    """A ballot as the caller's pass holds it."""

    batch: int
    pass_number: int
    position: int = Field(description="its place in the batch's paper order, from 1")
    ballot: PaperBallotOut
    entered_by: str
    corrections: int = Field(description="how many times it was corrected")
    next_position: int = Field(description="the position the pass's next ballot takes")
    notes: list[str] = Field(
        default_factory=list,
        description="what staff should look at while the paper is in hand (a code that has "
        "voted already, a code entered twice in this pass); the entry is kept",
    )


class DecisionOut(Reply):
    position: int
    choice: str = Field(description="pass_1, pass_2, typed or set_aside")
    ballot: PaperBallotOut | None = Field(description="the ballot that counts; none: no ballot")
    by: str
    note: str

    @classmethod
    def of(cls, decision: Decision) -> DecisionOut:
        return cls(
            position=decision.position,
            choice=decision.choice,
            ballot=_shown(decision.ballot),
            by=decision.by,
            note=decision.note,
        )


class DisagreementOut(Reply):
    position: int
    differs: list[str] = Field(description="code and/or choices; or only_in_pass_1, only_in_pass_2")
    pass_1: PaperBallotOut | None
    pass_2: PaperBallotOut | None
    decision: DecisionOut | None = Field(description="none: still to be resolved")

    @classmethod
    def of(cls, found: Disagreement) -> DisagreementOut:
        return cls(
            position=found.position,
            differs=list(found.differs),
            pass_1=_shown(found.pass_1),
            pass_2=_shown(found.pass_2),
            decision=None if found.decision is None else DecisionOut.of(found.decision),
        )


class ProblemAt(Reply):
    """Something that stops the batch from counting, other than a disagreement."""

    position: int | None = Field(description="the ballot's position; none: the whole batch")
    field: str
    problem: str


class BatchSummary(Reply):
    id: int
    round: int
    label: str
    status: str = Field(description="open, or counted (closed: no more entries)")
    papers: int | None = Field(description="the papers staff counted in the batch, if given")
    opened_by: str
    passes: list[PassOut]
    disagreements: int
    unresolved: int
    reconciled: bool = Field(
        description="both passes entered and every disagreement resolved (the pre-count "
        "checks are in the batch's own view)"
    )
    counted_by: str | None
    counted_at: str | None
    counted_ballots: int | None = Field(
        default=None, description="once counted: how many of its ballots count"
    )
    counted_event: str | None = Field(
        default=None, description="once counted: the hash of its paper_batch.counted event"
    )


class BatchView(BatchSummary):
    """One batch as the reconciliation page shows it."""

    your_pass: int | None = Field(description="the caller's pass, once they have entered one")
    next_position: int | None = Field(description="where the caller's next entry goes")
    reconciliation: list[DisagreementOut] = Field(description="every disagreement, in order")
    decisions: list[DecisionOut] = Field(
        description="every decision that applies, including papers set aside where the "
        "passes agreed"
    )
    problems: list[ProblemAt] = Field(description="what stops counting besides disagreements")
    ready: bool = Field(description="it can be counted now")


class BatchCounted(Reply):
    batch: int
    round: int
    label: str
    ballots: int
    trackers: list[str] = Field(description="the trackers of its ballots, in paper order")
    event: str = Field(description="the hash of its paper_batch.counted event")
