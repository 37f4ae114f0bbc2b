"""Can any affordable selection of projects meet a set of spending floors? A CP-SAT proof.

Used before voting opens, when costs are known but supporters are not. A
project that names a district counts in full towards that district; a
city-wide project counts towards districts through its supporters, which
are not known yet, so the model lets it split its cost among the floors it
may count for in any way (never more than its cost in all). That is the
most any vote could give each floor, so "infeasible" here is a proof that
no vote can meet the floors. The split is integral without loss: it is a
transportation problem with integer supplies and demands, whose vertices
are integral.

Everything is integral: callers scale money to integers first.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

from ortools.sat.python import cp_model


@dataclass(frozen=True)
class Floor:
    whole: Collection[str]
    """Projects counting in full."""
    split: Collection[str] = ()
    """Projects that may count with any part of their cost (city-wide towards a district)."""
    amount: int = 0


@dataclass(frozen=True)
class Cap:
    members: Collection[str]
    amount: int


class Verdict(Enum):
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class FloorsProblem:
    costs: Mapping[str, int]
    budget: int
    floors: Sequence[Floor]
    caps: Sequence[Cap] = ()
    at_most_one: Sequence[Collection[str]] = ()
    together: Sequence[Collection[str]] = ()
    effort: float = field(default=10.0)
    """Deterministic solver time (about seconds): the same point of the search everywhere."""

    def verdict(self) -> Verdict:
        model = cp_model.CpModel()
        x = {p: model.new_bool_var(f"x_{i}") for i, p in enumerate(self.costs)}
        model.add(sum(self.costs[p] * x[p] for p in x) <= self.budget)
        for group in self.at_most_one:
            model.add_at_most_one(x[p] for p in group if p in x)
        for group in self.together:
            members = sorted(p for p in group if p in x)
            for p in members[1:]:
                model.add(x[p] == x[members[0]])
        for cap in self.caps:
            model.add(sum(self.costs[p] * x[p] for p in cap.members if p in x) <= cap.amount)
        parts: dict[str, list[cp_model.IntVar]] = {}
        for i, floor in enumerate(self.floors):
            counted = [self.costs[p] * x[p] for p in floor.whole if p in x]
            for p in floor.split:
                if p in x:
                    part = model.new_int_var(0, self.costs[p], f"s_{i}_{p}")
                    parts.setdefault(p, []).append(part)
                    counted.append(part)
            model.add(sum(counted) >= floor.amount)
        for p, shares in parts.items():
            model.add(sum(shares) <= self.costs[p] * x[p])
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = 0
        solver.parameters.max_deterministic_time = self.effort
        status = solver.solve(model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return Verdict.FEASIBLE
        if status == cp_model.INFEASIBLE:
            return Verdict.INFEASIBLE
        return Verdict.UNKNOWN
