"""A 0/1 project-selection model on OR-Tools CP-SAT.

The model is built so that later fairness constraints add naturally: a
budget, spending floors and caps over any subset of projects, sets of which
at most one may be funded, sets funded together or not at all. Everything is
integral: callers scale money and scores to integers first.

`solve` returns a proven optimum or raises; the search runs on one worker
with a fixed seed and a deterministic effort limit so that it behaves the
same on every machine, and callers
that need one particular optimum among several fix it lexicographically
(see `lexicographic_optimum`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model


class SolverError(RuntimeError):
    pass


@dataclass
class SelectionModel:
    weights: Mapping[str, int]
    """Objective weight of each project (its total support)."""
    costs: Mapping[str, int]
    budget: int
    at_most_one: list[frozenset[str]] = field(default_factory=list)
    together: list[frozenset[str]] = field(default_factory=list)
    floors: list[tuple[Mapping[str, int], int]] = field(default_factory=list)
    """Spending floors: sum of coefficient * x >= floor, short by at most `shortfall_allowed`."""
    caps: list[tuple[Mapping[str, int], int]] = field(default_factory=list)
    shortfall_allowed: int = 0
    """How far, in total, the floors may fall short (see `least_shortfall`)."""
    shortfall_effort: float = 20.0
    """Deterministic time (about seconds) spent looking for the least shortfall."""
    effort: float = 60.0
    """Deterministic time (about seconds) a solve may take before it gives up: a limit that
    falls at the same point of the search on every machine, unlike wall-clock time."""

    def solve(
        self,
        fixed: Mapping[str, bool] | None = None,
        min_weight: int | None = None,
        effort: float | None = None,
    ) -> tuple[int, frozenset[str]] | None:
        """Best total weight and the projects achieving it; None if infeasible."""
        model, x, shortfall = self._model(fixed)
        model.add(sum(shortfall) <= self.shortfall_allowed)
        objective = sum(self.weights[p] * x[p] for p in x)
        if min_weight is not None:
            model.add(objective >= min_weight)
        model.maximize(objective)
        solver = self._solve(model, effort)
        if solver is None:
            return None
        chosen = frozenset(p for p in x if solver.boolean_value(x[p]))
        return round(solver.objective_value), chosen

    def least_shortfall(self) -> tuple[int, bool] | None:
        """The least total by which the floors must fall short, and whether that is proven.

        Minimising a shortfall can be much harder than maximising support, so
        this search stops after a fixed amount of *deterministic* work (the
        same on every machine) and keeps the best total it found. None if
        even the caps cannot be met.
        """
        if not self.floors:
            return 0, True
        model, _, shortfall = self._model(None)
        model.minimize(sum(shortfall))
        solver = self._solver()
        solver.parameters.max_deterministic_time = self.shortfall_effort
        status = solver.solve(model)
        if status == cp_model.INFEASIBLE:
            return None
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            raise SolverError(f"CP-SAT found no selection ({solver.status_name(status)})")
        return round(solver.objective_value), status == cp_model.OPTIMAL

    def _model(
        self, fixed: Mapping[str, bool] | None
    ) -> tuple[cp_model.CpModel, dict[str, cp_model.IntVar], list[cp_model.IntVar]]:
        model = cp_model.CpModel()
        x = {pid: model.new_bool_var(f"x_{i}") for i, pid in enumerate(self.weights)}
        model.add(sum(self.costs[p] * x[p] for p in x) <= self.budget)
        for group in self.at_most_one:
            model.add_at_most_one(x[p] for p in group)
        for group in self.together:
            members = sorted(group)
            for p in members[1:]:
                model.add(x[p] == x[members[0]])
        shortfall = []
        for i, (coefficients, floor) in enumerate(self.floors):
            short = model.new_int_var(0, max(floor, 0), f"short_{i}")
            model.add(sum(c * x[p] for p, c in coefficients.items() if p in x) + short >= floor)
            shortfall.append(short)
        for coefficients, cap in self.caps:
            model.add(sum(c * x[p] for p, c in coefficients.items() if p in x) <= cap)
        for pid, value in (fixed or {}).items():
            model.add(x[pid] == int(value))
        return model, x, shortfall

    def _solver(self) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = 0
        solver.parameters.max_deterministic_time = self.effort
        return solver

    def _solve(
        self, model: cp_model.CpModel, effort: float | None = None
    ) -> cp_model.CpSolver | None:
        solver = self._solver()
        if effort is not None:
            solver.parameters.max_deterministic_time = effort
        status = solver.solve(model)
        if status == cp_model.INFEASIBLE:
            return None
        if status != cp_model.OPTIMAL:
            raise SolverError(
                f"CP-SAT stopped without proving optimality ({solver.status_name(status)})"
            )
        return solver

    def lexicographic_optimum(self, preference: Sequence[str]) -> tuple[int, frozenset[str], int]:
        """The optimum that funds the most preferred projects: (weight, projects, solves).

        Among all optimal selections, take the one that funds preference[0] if
        any does, then preference[1] if any such does, and so on.
        """
        first = self.solve()
        if first is None:
            raise SolverError("no selection satisfies the constraints")
        best, incumbent = first
        fixed: dict[str, bool] = {}
        solves = 1
        for pid in preference:
            if pid not in incumbent:
                solves += 1
                found = self.solve({**fixed, pid: True}, min_weight=best)
                if found is not None:
                    incumbent = found[1]
            fixed[pid] = pid in incumbent
        return best, incumbent, solves
