"""What a ballot is checked against: the round's ballot settings and its accepted projects.

Read once per transaction, however many ballots it casts (service/casting.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from fractions import Fraction

from pbengine.core.ballot_check import BallotError, check_ballot
from pbengine.core.election import VoteType
from pbengine.core.money import parse_amount
from pbengine.core.phases import Phase
from pbengine.service.access import config_of, phase_of, require_known
from pbengine.service.ballots import Counted
from pbengine.service.config import RoundConfig
from pbengine.service.errors import InvalidError
from pbengine.store.repository import ACCEPTED
from pbengine.store.tables import RoundRow
from pbengine.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class BallotBox:
    """What every ballot of a round is checked against, read once for many ballots."""

    config: RoundConfig
    costs: dict[str, Fraction]
    """The accepted projects' costs, by project id."""


def ballot_box(uow: UnitOfWork, row: RoundRow, config: RoundConfig | None = None) -> BallotBox:
    """`config`: the round's, when the caller has read it already."""
    assert row.id is not None
    costs = {key: parse_amount(cost) for key, cost in uow.ballots.ballot_costs(row.id, ACCEPTED)}
    return BallotBox(config or config_of(uow.rounds, row), costs)


class BallotBoxes:
    """Boxes kept between transactions, for the rounds that are voting.

    While a round is voting its projects cannot change (they are reviewed before,
    and phases only move forward), and its settings are the row the caller has
    loaded for change: a kept box serves as long as that row's configuration is
    the one it was made from. One per database (an app's ballot queue keeps it).
    """

    def __init__(self) -> None:
        self._kept: dict[int, tuple[str, BallotBox]] = {}
        self._lock = threading.Lock()

    def box(self, uow: UnitOfWork, row: RoundRow) -> BallotBox:
        assert row.id is not None
        if phase_of(row) is not Phase.VOTING:
            return ballot_box(uow, row)
        with self._lock:
            kept = self._kept.get(row.id)
        if kept is not None and kept[0] == row.config_json:
            return kept[1]
        box = ballot_box(uow, row)
        with self._lock:
            self._kept[row.id] = (row.config_json, box)
        return box


def checked_choices(
    box: BallotBox, row: RoundRow, ballot: Counted
) -> tuple[list[str], list[Fraction] | None]:
    """The projects (and points) the ballot counts for, checked against the round's ballot."""
    config = box.config
    vote_type = VoteType(row.vote_type)
    if vote_type.has_points:
        if ballot.projects:
            raise InvalidError(
                f"a {vote_type} ballot gives points: send 'points', not 'projects'", "projects"
            )
        projects = list((ballot.points or {}).keys())
        points: list[Fraction] | None = [
            parse_amount(value) for value in (ballot.points or {}).values()
        ]
    else:
        projects, points = list(ballot.projects), None
        if ballot.points is not None:
            raise InvalidError(f"a {vote_type} ballot gives no points", "points")
    _check_outcomes(config, ballot.outcomes)
    if not projects and not ballot.outcomes:
        raise InvalidError("the ballot names no project and no outcome priority", "projects")
    try:
        check_ballot(vote_type, config.limits(), box.costs, projects, points)
    except BallotError as exc:
        raise InvalidError(exc.problem, exc.field) from None
    return projects, points


def _check_outcomes(config: RoundConfig, outcomes: list[str]) -> None:
    keys = [o.key for o in config.outcomes]
    require_known("outcome priority", "outcomes", outcomes, keys, "outcomes")
    most = config.ballot.max_outcomes
    if most is not None and len(outcomes) > most:
        raise InvalidError(
            f"{len(outcomes)} outcome priorities named, above the maximum of {most}",
            "max_outcomes",
        )
