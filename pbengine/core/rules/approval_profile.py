"""An election reduced to approvals, identical ballots collapsed: what MES and Phragmén need."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import lcm

from pbengine.core.election import Election


@dataclass(frozen=True)
class Profile:
    """An approval election reduced to what MES needs, identical ballots collapsed."""

    project_ids: tuple[str, ...]
    costs: tuple[int, ...]
    """Costs as integers in units of 1/`scale` of the currency."""
    scale: int
    budget: int
    """The budget in the same units."""
    voters: int
    groups: tuple[tuple[int, tuple[int, ...]], ...]
    """(number of voters, approved project indices) for each distinct ballot."""
    supporters: tuple[int, ...]
    """Number of voters approving each project."""

    @classmethod
    def of(cls, election: Election) -> Profile:
        ids = election.project_ids
        index = {pid: i for i, pid in enumerate(ids)}
        scale = lcm(
            1, election.budget.denominator, *(p.cost.denominator for p in election.projects)
        )
        # Identical ballots are counted as they stand (Election.ballot_lists), then each
        # distinct one is put in canonical form; groups keep the order of first appearance.
        counts: dict[tuple[int, ...], int] = {}
        for projects, n in election.ballot_lists.items():
            key = tuple(sorted({index[pid] for pid in projects}))
            counts[key] = counts.get(key, 0) + n
        supporters = [0] * len(ids)
        for key, weight in counts.items():
            for i in key:
                supporters[i] += weight
        return cls(
            project_ids=ids,
            costs=tuple(int(p.cost * scale) for p in election.projects),
            scale=scale,
            budget=int(election.budget * scale),
            voters=len(election.ballots),
            groups=tuple((w, key) for key, w in counts.items() if key),
            supporters=tuple(supporters),
        )

    def candidates(self) -> set[int]:
        """Projects MES can fund: they cost something and someone approves them."""
        return {i for i, cost in enumerate(self.costs) if cost > 0 and self.supporters[i] > 0}

    def money(self, amount: Fraction) -> Fraction:
        """An amount in internal units, back in currency."""
        return amount / self.scale
