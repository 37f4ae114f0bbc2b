"""Paper ballots entered twice: the two passes compared, and the batch as it will count.

Council staff enter a batch of paper ballots twice, by two people, each in
paper order (position 1, 2, …). The passes are compared position by position;
every position where they differ is a disagreement, which a staff member who
looked at the paper decides. A batch counts only when every disagreement is
decided, and then exactly the ballots this module settles on.

Voter codes appear here only as their digests (and a short hint for people):
two passes agree on a code when they agree on its digest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from pbengine.core.canonical import digest

CODE = "code"
CHOICES = "choices"
ONLY_IN_PASS_1 = "only_in_pass_1"
ONLY_IN_PASS_2 = "only_in_pass_2"

Choice = Literal["pass_1", "pass_2", "typed", "set_aside"]
CHOICES_OF_DECISION: tuple[Choice, ...] = ("pass_1", "pass_2", "typed", "set_aside")


@dataclass(frozen=True)
class PaperBallot:
    """One paper ballot as a staff member entered it."""

    code: str
    """The voter code's digest, never the code."""
    hint: str
    """A few characters of the code, for people comparing the two passes."""
    projects: tuple[str, ...]
    points: tuple[str, ...] | None
    """Cumulative and scoring ballots: the points per project, in the order of `projects`."""
    outcomes: tuple[str, ...]
    """Outcome priorities, most important first."""

    def choices(self, *, ranked: bool) -> object:
        """What the voter chose, compared as it counts: the order of the projects matters
        only on a ranked (ordinal) ballot; outcome priorities are always ranked."""
        points = self.points or (None,) * len(self.projects)
        pairs = tuple(zip(self.projects, points, strict=True))
        projects: object = pairs if ranked else frozenset(pairs)
        return (projects, self.points is None, self.outcomes)

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "projects": list(self.projects),
            "points": None if self.points is None else list(self.points),
            "outcomes": list(self.outcomes),
        }


@dataclass(frozen=True)
class Decision:
    """A staff member's decision on one position, after looking at the paper."""

    position: int
    key: str
    """The position's key when decided (`position_key`): a decision applies only while
    both passes still read as they did then."""
    choice: Choice
    ballot: PaperBallot | None
    """The ballot that counts at this position; None: none does."""
    by: str
    note: str


@dataclass(frozen=True)
class Disagreement:
    position: int
    differs: tuple[str, ...]
    """`code` and/or `choices`; or `only_in_pass_1` / `only_in_pass_2`."""
    pass_1: PaperBallot | None
    pass_2: PaperBallot | None
    decision: Decision | None = None

    @property
    def key(self) -> str:
        return position_key(self.position, self.pass_1, self.pass_2)


@dataclass(frozen=True)
class Reconciliation:
    disagreements: tuple[Disagreement, ...]
    ballots: tuple[tuple[int, PaperBallot], ...]
    """Position and ballot of every ballot that counts, as far as decided so far."""
    decisions: tuple[Decision, ...]
    """The decisions that apply (made on the passes as they read now)."""

    @property
    def unresolved(self) -> tuple[Disagreement, ...]:
        return tuple(d for d in self.disagreements if d.decision is None)


def position_key(position: int, first: PaperBallot | None, second: PaperBallot | None) -> str:
    """What both passes say at a position, as one digest."""
    sides = [None if b is None else b.to_json() for b in (first, second)]
    return digest({"position": position, "passes": sides})


def compare(
    position: int, first: PaperBallot | None, second: PaperBallot | None, *, ranked: bool
) -> Disagreement | None:
    """The disagreement between the passes at one position; None when they agree."""
    if first is None or second is None:
        if first is None and second is None:
            return None
        differs = (ONLY_IN_PASS_2,) if first is None else (ONLY_IN_PASS_1,)
        return Disagreement(position, differs, first, second)
    found: list[str] = []
    if first.code != second.code:
        found.append(CODE)
    if first.choices(ranked=ranked) != second.choices(ranked=ranked):
        found.append(CHOICES)
    return Disagreement(position, tuple(found), first, second) if found else None


def reconcile(
    pass_1: Sequence[PaperBallot],
    pass_2: Sequence[PaperBallot],
    *,
    ranked: bool,
    decisions: Mapping[int, Decision] | None = None,
) -> Reconciliation:
    """Compare two passes (each in paper order: index 0 is position 1), with the decisions
    staff made, into every disagreement and the ballots that count so far.

    A decision whose key no longer matches its position (a pass was corrected since) does
    not apply: the position is undecided again.
    """
    decisions = decisions or {}
    found: list[Disagreement] = []
    ballots: list[tuple[int, PaperBallot]] = []
    applied: list[Decision] = []
    for position in range(1, max(len(pass_1), len(pass_2)) + 1):
        first, second = _at(pass_1, position), _at(pass_2, position)
        decision = decisions.get(position)
        if decision is not None and decision.key != position_key(position, first, second):
            decision = None
        disagreement = compare(position, first, second, ranked=ranked)
        if decision is not None:
            applied.append(decision)
        if disagreement is not None:
            found.append(
                Disagreement(position, disagreement.differs, first, second, decision=decision)
            )
            if decision is None:
                continue
        counted = first if decision is None else decision.ballot
        if counted is not None:
            ballots.append((position, counted))
    return Reconciliation(tuple(found), tuple(ballots), tuple(applied))


def decided(
    position: int,
    first: PaperBallot | None,
    second: PaperBallot | None,
    choice: Choice,
    typed: PaperBallot | None,
    *,
    by: str,
    note: str,
) -> Decision:
    """A decision at a position: pass 1's ballot, pass 2's (None if that pass has none
    there), a ballot typed from the paper, or none (the paper is set aside)."""
    ballot = {"pass_1": first, "pass_2": second, "typed": typed, "set_aside": None}[choice]
    if choice == "typed" and typed is None:
        raise ValueError("a typed decision needs the ballot typed")
    return Decision(position, position_key(position, first, second), choice, ballot, by, note)


def repeated_codes(ballots: Sequence[tuple[int, PaperBallot]]) -> dict[str, list[int]]:
    """Codes that more than one counted ballot carries, with their positions."""
    positions: dict[str, list[int]] = {}
    for position, ballot in ballots:
        positions.setdefault(ballot.code, []).append(position)
    return {code: found for code, found in positions.items() if len(found) > 1}


def _at(entries: Sequence[PaperBallot], position: int) -> PaperBallot | None:
    return entries[position - 1] if position <= len(entries) else None
