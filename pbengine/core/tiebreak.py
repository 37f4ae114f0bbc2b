"""Tie-breaking: one deterministic total order over the projects, overridable.

The default, `cost,support,order`, is the rule equalshares.net documents for the
Method of Equal Shares: the cheaper project first, then the one with more
supporters, then the one listed first. Greedy rules as the pabulib notes describe
them sort by score and keep the listed order among equal scores; that is `order`, and
it is what the greedy rules use unless told otherwise. The data does not single
it out: on the 213 greedy files verify runs in ../shared/pabulib, `cost` (cheaper
first) reproduces every city too; only 3 have a tie that decides funding, and in
each the cheaper project is also listed first (`-cost` misses those 3).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from pbengine.core.election import Election, Project
from pbengine.core.scoring import supporter_counts

CRITERIA: Mapping[str, str] = {
    "order": "listed earlier first",
    "cost": "cheaper first",
    "-cost": "dearer first",
    "support": "more supporters first",
    "id": "smaller id first (numeric ids compared as numbers)",
}


@dataclass(frozen=True, slots=True)
class TieBreaking:
    criteria: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> TieBreaking:
        criteria = tuple(part.strip() for part in text.split(",") if part.strip())
        unknown = [c for c in criteria if c not in CRITERIA]
        if unknown or not criteria:
            known = ", ".join(CRITERIA)
            raise ValueError(f"unknown tie-breaking criterion {unknown or text!r}; use {known}")
        return cls(criteria)

    def __str__(self) -> str:
        return ",".join(self.criteria)

    def ranks(self, election: Election) -> dict[str, int]:
        """Position of every project in the tie-breaking order (0 wins every tie)."""
        support = supporter_counts(election)
        keys: list[Callable[[int], object]] = []
        projects = election.projects
        for criterion in (*self.criteria, "order"):
            keys.append(_key(criterion, projects, support))
        order = sorted(range(len(projects)), key=lambda i: tuple(k(i) for k in keys))
        return {projects[i].id: rank for rank, i in enumerate(order)}


def _key(
    criterion: str, projects: Sequence[Project], support: dict[str, int]
) -> Callable[[int], object]:
    if criterion == "cost":
        return lambda i: projects[i].cost
    if criterion == "-cost":
        return lambda i: -projects[i].cost
    if criterion == "support":
        return lambda i: -support[projects[i].id]
    if criterion == "id":
        return lambda i: _id_key(projects[i].id)
    return lambda i: i


def _id_key(project_id: str) -> tuple[int, Fraction | str]:
    try:
        return (0, Fraction(project_id))
    except ValueError:
        return (1, project_id)


DEFAULT = TieBreaking(("cost", "support", "order"))
LISTED_ORDER = TieBreaking(("order",))
