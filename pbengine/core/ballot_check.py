"""Whether a ballot respects its round: projects it may name and the limits it must keep.

Checked before anything is stored, so that an invalid ballot is refused with
the limit it breaks rather than counted wrongly. The limit names are
pabulib's (`min_length`, `max_sum_cost`, ...), which is also how councils
set them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

from pbengine.core.election import BallotLimits, VoteType
from pbengine.core.money import readable
from pbengine.core.wording import article


class BallotError(ValueError):
    """`field` names what the ballot got wrong: `projects`, `points`, or the limit it breaks."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(problem)
        self.field = field
        self.problem = problem


def check_ballot(
    vote_type: VoteType,
    limits: BallotLimits,
    costs: Mapping[str, Fraction],
    projects: Sequence[str],
    points: Sequence[Fraction] | None = None,
) -> None:
    """Raise BallotError for the first rule the ballot breaks; `costs` prices the choices."""
    _check_projects(costs, projects)
    _check_points(vote_type, projects, points)
    if vote_type is VoteType.CHOOSE_1 and len(projects) != 1:
        raise BallotError("max_length", f"choose one project; this ballot names {len(projects)}")
    _check_range("min_length", "max_length", Fraction(len(projects)), limits, "projects named")
    total_cost = sum((costs[p] for p in projects), Fraction(0))
    _check_range("min_sum_cost", "max_sum_cost", total_cost, limits, "total cost")
    if points is not None:
        for project, value in zip(projects, points, strict=True):
            _check_range("min_points", "max_points", value, limits, f"points for {project!r}")
        _check_range(
            "min_sum_points", "max_sum_points", sum(points, Fraction(0)), limits, "total points"
        )


def _check_projects(costs: Mapping[str, Fraction], projects: Sequence[str]) -> None:
    seen: set[str] = set()
    for project in projects:
        if project not in costs:
            raise BallotError("projects", f"{project!r} is not a project on this ballot")
        if project in seen:
            raise BallotError("projects", f"{project!r} is named twice")
        seen.add(project)


def _check_points(
    vote_type: VoteType, projects: Sequence[str], points: Sequence[Fraction] | None
) -> None:
    if not vote_type.has_points:
        if points is not None:
            raise BallotError("points", f"{article(vote_type)} ballot gives no points")
        return
    if points is None or len(points) != len(projects):
        raise BallotError(
            "points", f"{article(vote_type)} ballot gives points to each project it names"
        )
    if any(value <= 0 for value in points):
        raise BallotError("points", "points must be positive; leave a project out to give it none")


def _check_range(low: str, high: str, value: Fraction, limits: BallotLimits, what: str) -> None:
    minimum = getattr(limits, low)
    maximum = getattr(limits, high)
    if minimum is not None and value < minimum:
        raise BallotError(
            low, f"{what} is {readable(value)}, below the minimum of {readable(minimum)}"
        )
    if maximum is not None and value > maximum:
        raise BallotError(
            high, f"{what} is {readable(value)}, above the maximum of {readable(maximum)}"
        )
