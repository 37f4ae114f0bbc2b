"""A paper batch's ballots checked as every ballot is checked, and who enters which pass.

An entry is checked at once, with the checks a ballot cast through
service/ballots.py gets (a voter code of this round; the projects, points and
outcome priorities within the round's limits), so staff fix a mistake while
the paper is in hand. Before a batch counts, each of its ballots is checked
again as casting it would check it, so that a batch never counts halfway.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pbengine.core.double_entry import PaperBallot, Reconciliation, reconcile, repeated_codes
from pbengine.core.election import VoteType
from pbengine.core.money import plain
from pbengine.core.phases import Phase
from pbengine.service.access import phase_of
from pbengine.service.ballot_box import BallotBox, ballot_box, checked_choices
from pbengine.service.ballots import BallotIn, check_may_vote, counted
from pbengine.service.config import Amount, RoundConfig
from pbengine.service.errors import ConflictError, InvalidError, ServiceError
from pbengine.service.paper_replies import ProblemAt
from pbengine.store.ballots import Voter
from pbengine.store.paper_batches import decision_of, paper_ballot
from pbengine.store.tables import PaperBatchRow, PaperEntryRow, RoundRow
from pbengine.store.tokens import voter_code_digest
from pbengine.store.unit_of_work import UnitOfWork

PAPER: Literal["paper"] = "paper"
HINT_LENGTH = 4


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(
        min_length=1, max_length=200, description='how staff name it, e.g. "Library box 3"'
    )
    papers: int | None = Field(
        default=None,
        ge=1,
        le=100_000,
        description="the ballot papers counted in it; each pass must then enter that many",
    )


class PaperBallotIn(BaseModel):
    """One paper ballot as it reads: the voter's code and their choices (as in BallotIn)."""

    model_config = ConfigDict(extra="forbid")

    voter_code: str = Field(min_length=1, max_length=100, description="as printed on the paper")
    projects: list[str] | None = Field(default=None, description="project ids; best first")
    points: dict[str, Amount] | None = Field(
        default=None, description="cumulative and scoring ballots: points per project id"
    )
    outcomes: list[str] | None = Field(
        default=None, description="outcome priority keys, most important first"
    )


class PaperEntryIn(PaperBallotIn):
    pass_number: int | None = Field(
        default=None,
        ge=1,
        le=2,
        description="the pass to enter into; left out: the caller's pass, or the next free one",
    )


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    position: int = Field(ge=1, le=100_000, description="the position decided")
    choice: Literal["pass_1", "pass_2", "typed", "set_aside"] = Field(
        description="the ballot that counts there: pass 1's, pass 2's (none if that pass has "
        "none there), the one typed in `ballot`, or none (the paper is set aside)"
    )
    ballot: PaperBallotIn | None = Field(
        default=None, description="with choice typed: the ballot as the paper reads"
    )
    note: str = Field(min_length=1, max_length=1000, description="what the paper shows; kept")


@dataclass(frozen=True)
class Batch:
    """A batch with both passes and the decisions on it, reconciled."""

    row: PaperBatchRow
    passes: tuple[list[PaperEntryRow], list[PaperEntryRow]]
    reconciliation: Reconciliation

    @property
    def id(self) -> int:
        assert self.row.id is not None
        return self.row.id


def loaded(uow: UnitOfWork, round_row: RoundRow, row: PaperBatchRow) -> Batch:
    assert row.id is not None
    first, second = (uow.paper_batches.entries(row.id, number) for number in (1, 2))
    decisions = {d.position: decision_of(d) for d in uow.paper_batches.decisions(row.id)}
    found = reconcile(
        [paper_ballot(e) for e in first],
        [paper_ballot(e) for e in second],
        ranked=VoteType(round_row.vote_type) is VoteType.ORDINAL,
        decisions=decisions,
    )
    return Batch(row, (first, second), found)


def checked_paper_ballot(
    uow: UnitOfWork, row: RoundRow, config: RoundConfig, entered: PaperBallotIn
) -> tuple[PaperBallot, Voter]:
    """The ballot as the batch keeps it (the code as its digest), checked as a cast is."""
    code = voter_code_digest(entered.voter_code)
    voter = uow.ballots.voter_by_digest(code)
    if voter is None or voter.round_id != row.id:
        raise InvalidError("no such voter code in this round", "voter_code")
    ballot = BallotIn(projects=entered.projects, points=entered.points, outcomes=entered.outcomes)
    whole = counted(ballot, None, PAPER)
    projects, points = checked_choices(ballot_box(uow, row, config), row, whole)
    paper = PaperBallot(
        code=code,
        hint=code_hint(entered.voter_code),
        projects=tuple(projects),
        points=None if points is None else tuple(plain(p) for p in points),
        outcomes=tuple(whole.outcomes),
    )
    return paper, voter


def code_hint(code: str) -> str:
    """The code's last characters, as printed (without dashes)."""
    return "".join(c for c in code.upper() if c.isalnum())[-HINT_LENGTH:]


def ballot_in(paper: PaperBallot) -> BallotIn:
    """A batch's ballot as the cast step takes a staff entry."""
    if paper.points is None:
        return BallotIn(projects=list(paper.projects), outcomes=list(paper.outcomes), channel=PAPER)
    points = dict(zip(paper.projects, paper.points, strict=True))
    return BallotIn(points=points, outcomes=list(paper.outcomes), channel=PAPER)


def pass_for(batch: PaperBatchRow, staff: str, asked: int | None) -> int:
    """The pass the caller enters: the one they asked for, their own, or the next free one.

    Two people read each paper: the one who took one pass may not take the other.
    """
    takers = {1: batch.pass_1_staff, 2: batch.pass_2_staff}
    if asked is not None:
        other = 3 - asked
        if takers[other] == staff:
            raise ConflictError(
                f"you are entering pass {other} of this batch; pass {asked} must be entered "
                "by another staff member, so that two people read every paper",
                "pass_number",
            )
        if takers[asked] not in (None, staff):
            raise ConflictError(f"pass {asked} is being entered by {takers[asked]}", "pass_number")
        return asked
    for number in (1, 2):
        if takers[number] == staff:
            return number
    for number in (1, 2):
        if takers[number] is None:
            return number
    raise ConflictError(
        f"both passes of this batch are taken (pass 1 by {takers[1]}, pass 2 by {takers[2]}); "
        "other staff can resolve its disagreements, not enter a third pass",
        "pass_number",
    )


def own_pass(batch: PaperBatchRow, staff: str) -> int | None:
    if batch.pass_1_staff == staff:
        return 1
    return 2 if batch.pass_2_staff == staff else None


def entry_notes(
    uow: UnitOfWork, row: RoundRow, batch: Batch, entry: PaperEntryRow, voter: Voter
) -> list[str]:
    """What staff should look at now, though the entry is kept."""
    assert row.id is not None
    notes = []
    existing = uow.ballots.ballot_of(row.id, voter.voter_key)
    if existing is not None:
        notes.append(
            f"this voter code has a counted {existing.channel} ballot: the batch cannot count "
            "with this ballot in it unless it is set aside"
        )
    others = [
        e.position
        for e in batch.passes[entry.pass_number - 1]
        if e.code_hash == entry.code_hash and e.position != entry.position
    ]
    if others:
        notes.append(f"this voter code is also at position {others[0]} of this pass")
    return notes


def problems(uow: UnitOfWork, row: RoundRow, batch: Batch) -> list[ProblemAt]:
    """Everything besides its disagreements that stops the batch from counting now."""
    found: list[ProblemAt] = []
    if phase_of(row) is not Phase.VOTING:
        problem = f"ballots are cast in phase 'voting'; the round is in '{row.phase}'"
        found.append(ProblemAt(position=None, field="phase", problem=problem))
    for number, entries in enumerate(batch.passes, start=1):
        papers = batch.row.papers
        if not entries:
            problem = f"pass {number} has not been entered"
            found.append(ProblemAt(position=None, field=f"pass_{number}", problem=problem))
        elif papers is not None and len(entries) != papers:
            problem = f"pass {number} holds {len(entries)} ballots; the batch has {papers} papers"
            found.append(ProblemAt(position=None, field=f"pass_{number}", problem=problem))
    ballots = batch.reconciliation.ballots
    for positions in repeated_codes(ballots).values():
        shown = " and ".join(str(p) for p in positions)
        problem = f"positions {shown} carry the same voter code; a code counts once"
        found.append(ProblemAt(position=positions[-1], field="voter_code", problem=problem))
    box = ballot_box(uow, row)
    for position, paper in ballots:
        try:
            _cast_check(uow, row, box, paper)
        except ServiceError as exc:
            problem = f"position {position} (code …{paper.hint}): {exc.problem}"
            found.append(ProblemAt(position=position, field=exc.field or "ballot", problem=problem))
    return found


def _cast_check(uow: UnitOfWork, row: RoundRow, box: BallotBox, paper: PaperBallot) -> None:
    """What casting the ballot would check, without casting it."""
    assert row.id is not None
    voter = uow.ballots.voter_by_digest(paper.code)
    if voter is None or voter.round_id != row.id:
        raise InvalidError("no such voter code in this round", "voter_code")
    ballot = ballot_in(paper)
    check_may_vote(box.config, uow.ballots.ballot_of(row.id, voter.voter_key), PAPER, ballot)
    checked_choices(box, row, counted(ballot, None, PAPER))
