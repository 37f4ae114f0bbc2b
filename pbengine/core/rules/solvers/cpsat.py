"""A 0/1 project-selection model on OR-Tools CP-SAT, exact in rational money.

The model is built so that later fairness constraints add naturally: a
budget, spending floors and caps over any subset of projects (each counting
any rational part of its cost), sets of which at most one may be funded, sets
funded together or not at all. Money comes in as exact fractions; objective
weights are integers.

Money is scaled to CP-SAT's 64-bit integers exactly where it fits, and
rounded outwards where it does not (solvers/scaling.py); every selection
CP-SAT returns is then checked in exact arithmetic. A selection that fails
the check is excluded and the solve repeated, so the answer is still the
exact optimum of the rational model; the rounding can only cost extra
solves.

`solve` returns a proven optimum or raises; the search runs on one worker
with a fixed seed and a deterministic effort limit so that it behaves the
same on every machine, and callers that need one particular optimum among
several fix it lexicographically (see `lexicographic_optimum`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

from pbengine.core.rules.solvers.errors import SolverError
from pbengine.core.rules.solvers.scaling import MAGNITUDE, Row, scale_money

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

# SolverError is defined in errors.py; callers import it from here too.
__all__ = ["SelectionModel", "SolverError"]


@dataclass
class SelectionModel:
    weights: Mapping[str, int]
    """Objective weight of each project (its total support)."""
    costs: Mapping[str, Fraction]
    budget: Fraction
    at_most_one: list[frozenset[str]] = field(default_factory=list)
    together: list[frozenset[str]] = field(default_factory=list)
    floors: list[Row] = field(default_factory=list)
    """Spending floors: the counted money must reach each, short by `shortfall_allowed` in all."""
    caps: list[Row] = field(default_factory=list)
    shortfall_allowed: Fraction = Fraction(0)
    """How far, in total money, the floors may fall short (see `least_shortfall`)."""
    shortfall_effort: float = 20.0
    """Deterministic time (about seconds) spent looking for the least shortfall."""
    effort: float = 60.0
    """Deterministic time (about seconds) a solve may take before it gives up: a limit that
    falls at the same point of the search on every machine, unlike wall-clock time."""
    magnitude: int = MAGNITUDE
    """Bound on every scaled linear expression."""
    calls: int = field(default=0, init=False)
    """CP-SAT solves so far, re-solves after a rejected selection included."""

    def __post_init__(self) -> None:
        self._scaled = scale_money(self.costs, self.budget, self.floors, self.caps, self.magnitude)
        self._check_weights()
        # A list, not a set: the cuts go into the model in the order found, so that the
        # search, and the count of solves it reports, is the same on every run.
        self._rejected: list[frozenset[str]] = []

    @property
    def exact(self) -> bool:
        """Whether the integer model is the rational one, with no rounding at all."""
        return self._scaled.exact

    @property
    def rejected(self) -> int:
        """Selections CP-SAT has returned that failed the exact check, so far."""
        return len(self._rejected)

    def solve(
        self,
        fixed: Mapping[str, bool] | None = None,
        min_weight: int | None = None,
        effort: float | None = None,
    ) -> tuple[int, frozenset[str]] | None:
        """Best total weight and the projects achieving it; None if infeasible."""
        while True:
            cuts = [s for s in self._rejected if not self.feasible(s)]
            model, x, shortfall = self._model(fixed, cuts)
            model.add(sum(shortfall) <= self._scaled.allowance(self.shortfall_allowed))
            objective = sum(self.weights[p] * x[p] for p in x)
            if min_weight is not None:
                model.add(objective >= min_weight)
            model.maximize(objective)
            solver = self._solve(model, effort)
            if solver is None:
                return None
            chosen = frozenset(p for p in x if solver.boolean_value(x[p]))
            if self.feasible(chosen):
                return round(solver.objective_value), chosen
            self._reject(chosen)

    def least_shortfall(self) -> tuple[Fraction, bool] | None:
        """The least total money by which the floors must fall short, and whether it is proven.

        Minimising a shortfall can be much harder than maximising support, so
        this search stops after a fixed amount of *deterministic* work (the
        same on every machine) and keeps the least total it found. None if
        even the caps cannot be met.
        """
        if not self.floors:
            return Fraction(0), True
        best: tuple[Fraction, frozenset[str]] | None = None
        no_better: list[frozenset[str]] = []
        spent = 0.0
        while True:
            below = None if best is None else math.ceil(best[0] * self._scaled.money)
            cuts = [s for s in self._rejected if not self.within_caps(s)] + no_better
            found, scaled, optimal, time = self._minimise_shortfall(
                cuts, below, self.shortfall_effort - spent
            )
            spent += time
            if found is None:
                # Nothing left (below the best): the best is the least. Or the effort ran out.
                return None if best is None else (best[0], optimal)
            if not self.within_caps(found):
                self._reject(found)
                continue
            short = self.shortfall_of(found)
            if best is not None and short >= best[0]:
                no_better.append(found)
                continue
            if best is not None:
                no_better.append(best[1])
            best = (short, found)
            if not short or not optimal:
                return short, optimal
            if scaled >= math.ceil(short * self._scaled.money):
                # No selection left falls short by less: each one's scaled shortfall is at
                # least this optimum and at most its exact shortfall times the scale. Without
                # rounding the two are equal, and one solve settles it.
                return short, True

    def _minimise_shortfall(
        self, cuts: list[frozenset[str]], below: int | None, effort: float
    ) -> tuple[frozenset[str] | None, int, bool, float]:
        """A selection with the least scaled shortfall under `below`, if any; its scaled
        shortfall; whether that is proven (or, with no selection, that none exists); the
        deterministic time taken."""
        from ortools.sat.python import cp_model  # noqa: PLC0415

        model, x, shortfall = self._model(None, cuts)
        total = sum(shortfall)
        if below is not None:
            # Necessary for a shortfall strictly below the best (see `ScaledMoney.allowance`).
            model.add(total <= below - 1)
        model.minimize(total)
        solver = self._solver()
        solver.parameters.max_deterministic_time = max(effort, 0.0)
        status = solver.solve(model)
        self.calls += 1
        time = float(solver.response_proto.deterministic_time)
        if status == cp_model.INFEASIBLE:
            return None, 0, True, time
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if below is None:
                raise SolverError(f"CP-SAT found no selection ({solver.status_name(status)})")
            return None, 0, False, time
        chosen = frozenset(p for p in x if solver.boolean_value(x[p]))
        return chosen, round(solver.objective_value), status == cp_model.OPTIMAL, time

    def feasible(self, selected: frozenset[str]) -> bool:
        """Every constraint, checked in exact arithmetic."""
        return self.within_caps(selected) and self.shortfall_of(selected) <= self.shortfall_allowed

    def within_caps(self, selected: frozenset[str]) -> bool:
        """Budget, caps and sets in exact arithmetic: everything but the floors."""
        return (
            _counted(self.costs, selected) <= self.budget
            and all(_counted(row, selected) <= cap for row, cap in self.caps)
            and all(len(group & selected) <= 1 for group in self.at_most_one)
            and all(group <= selected or not group & selected for group in self.together)
        )

    def shortfall_of(self, selected: frozenset[str]) -> Fraction:
        return sum(
            (max(Fraction(0), floor - _counted(row, selected)) for row, floor in self.floors),
            Fraction(0),
        )

    def _check_weights(self) -> None:
        total_weight = sum(abs(w) for w in self.weights.values())
        if 2 * total_weight > self.magnitude:
            raise SolverError(
                f"total support of {total_weight:,} score units is beyond CP-SAT's 64-bit range"
            )

    def _reject(self, selected: frozenset[str]) -> None:
        if self.exact:
            raise SolverError(
                "CP-SAT returned a selection that breaks the constraints of an exact model"
            )
        if selected not in self._rejected:
            self._rejected.append(selected)

    def _model(
        self, fixed: Mapping[str, bool] | None, cuts: Iterable[frozenset[str]] = ()
    ) -> tuple[cp_model.CpModel, dict[str, cp_model.IntVar], list[cp_model.IntVar]]:
        # OR-Tools pulls in numpy and pandas (0.35 s): imported only when CP-SAT runs.
        from ortools.sat.python import cp_model  # noqa: PLC0415

        model = cp_model.CpModel()
        x = {pid: model.new_bool_var(f"x_{i}") for i, pid in enumerate(self.weights)}
        model.add(sum(self._scaled.costs[p] * x[p] for p in x) <= self._scaled.budget)
        for group in self.at_most_one:
            model.add_at_most_one(x[p] for p in sorted(group))
        for group in self.together:
            members = sorted(group)
            for p in members[1:]:
                model.add(x[p] == x[members[0]])
        shortfall = []
        for i, (coefficients, floor) in enumerate(self._scaled.floors):
            short = model.new_int_var(0, max(floor, 0), f"short_{i}")
            model.add(sum(c * x[p] for p, c in coefficients.items() if p in x) + short >= floor)
            shortfall.append(short)
        for coefficients, cap in self._scaled.caps:
            model.add(sum(c * x[p] for p, c in coefficients.items() if p in x) <= cap)
        for pid, value in (fixed or {}).items():
            model.add(x[pid] == int(value))
        for selected in cuts:
            # A selection known to break the exact constraints: differ from it somewhere.
            model.add_bool_or([~x[p] if p in selected else x[p] for p in x])
        return model, x, shortfall

    def _solver(self) -> cp_model.CpSolver:
        from ortools.sat.python import cp_model  # noqa: PLC0415

        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = 0
        solver.parameters.max_deterministic_time = self.effort
        return solver

    def _solve(
        self, model: cp_model.CpModel, effort: float | None = None
    ) -> cp_model.CpSolver | None:
        from ortools.sat.python import cp_model  # noqa: PLC0415

        solver = self._solver()
        if effort is not None:
            solver.parameters.max_deterministic_time = effort
        status = solver.solve(model)
        self.calls += 1
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
        calls = self.calls
        first = self.solve()
        if first is None:
            raise SolverError("no selection satisfies the constraints")
        best, incumbent = first
        fixed: dict[str, bool] = {}
        for pid in preference:
            if pid not in incumbent:
                found = self.solve({**fixed, pid: True}, min_weight=best)
                if found is not None:
                    incumbent = found[1]
            fixed[pid] = pid in incumbent
        return best, incumbent, self.calls - calls


def _counted(row: Mapping[str, Fraction], selected: frozenset[str]) -> Fraction:
    return sum((c for p, c in row.items() if p in selected), Fraction(0))
