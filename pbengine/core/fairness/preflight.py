"""Before voting opens: can this round's fairness rules work on its accepted projects?

Residents vote under rules that cannot change afterwards, so every problem
that would surface only at allocation must surface here instead, while the
council can still fix it: names that match nothing, data a constraint needs
and does not have, a guarantee the chosen rule cannot enforce, and floors
that no vote could meet (proven by CP-SAT), and floors that turnout could
push over the budget. Ballots are not known yet, so what depends on them
(support thresholds, how much each district's floor asks) is checked at
allocation, where a shortfall is named in the result.

Each kind of problem has its own module: missing_data.py, enforceability.py,
reachable_floors.py; names are checked here.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from pbengine.core.election import Election
from pbengine.core.fairness.enforceability import unenforceable
from pbengine.core.fairness.missing_data import missing_data
from pbengine.core.fairness.problem import Declared, Problem
from pbengine.core.fairness.reachable_floors import unreachable_floors
from pbengine.core.fairness.spec import FairnessSpec, RoundFacts
from pbengine.core.money import readable

# Problem and Declared are defined in problem.py; callers import them from here too.
__all__ = ["Declared", "Preflight", "Problem", "preflight", "unknown_names"]


@dataclass(frozen=True)
class Preflight:
    problems: tuple[Problem, ...]
    warnings: tuple[str, ...]

    @property
    def ready(self) -> bool:
        return not self.problems


def preflight(
    spec: FairnessSpec, election: Election, facts: RoundFacts, declared: Declared
) -> Preflight:
    """Every problem found, not only the first: a council fixes them all in one pass."""
    problems: list[Problem] = []
    warnings: list[str] = []
    problems += unknown_names(spec, declared)
    problems += _unknown_projects(spec, election)
    problems += missing_data(spec, election, facts, declared, warnings)
    problems += unenforceable(spec, election, warnings)
    problems += _floors_over_budget_by_turnout(spec, election)
    if not problems:
        problems += unreachable_floors(spec, election, facts)
    return Preflight(tuple(problems), tuple(warnings))


def _floors_over_budget_by_turnout(spec: FairnessSpec, election: Election) -> list[Problem]:
    """Floors in proportion to voters beside explicit district floors: where the voters
    live decides whether all of them fit the budget, and floors over the budget are
    refused at allocation, so a frozen round could then never allocate."""
    if spec.district_floor != "voters" or not spec.district_floors:
        return []
    budget = election.budget
    explicit = sum((a.of(budget) for a in spec.district_floors.values()), Fraction(0))
    worst = spec.district_floor_share * budget + explicit
    if worst <= budget:
        return []
    return [
        Problem(
            "districts.floors",
            f"floors in proportion to voters (up to {readable(spec.district_floor_share * budget)})"
            f" and the explicit district floors ({readable(explicit)}) could add up to "
            f"{readable(worst)}, more than the budget of {readable(budget)}, depending on "
            "where voters live; the allocation would then be refused",
            "lower districts.floor_share or the explicit floors, so that together they stay "
            "within the budget",
        )
    ]


def unknown_names(spec: FairnessSpec, declared: Declared) -> list[Problem]:
    """District and category names the round does not declare."""
    problems = []
    for kind, plural, bound, names, known in (
        ("district", "districts", "floors", spec.district_floors, declared.districts),
        ("district", "districts", "caps", spec.district_caps, declared.districts),
        ("category", "categories", "floors", spec.category_floors, declared.categories),
        ("category", "categories", "caps", spec.category_caps, declared.categories),
    ):
        for name in names:
            if name not in known:
                choices = ", ".join(known) if known else f"the round declares no {plural}"
                problems.append(
                    Problem(
                        f"{plural}.{bound}.{name}",
                        f"unknown {kind} {name!r}; {plural}: {choices}",
                        f"correct the name, or add {kind} {name!r} to the round's {plural}",
                    )
                )
    return problems


def _unknown_projects(spec: FairnessSpec, election: Election) -> list[Problem]:
    problems = []
    ids = set(election.project_ids)
    for key, groups in (("exclusive", spec.exclusive), ("together", spec.together)):
        for group in groups:
            unknown = sorted(group - ids)
            if unknown:
                problems.append(
                    Problem(
                        key,
                        f"projects {', '.join(unknown)} are not among the accepted projects",
                        "name accepted projects only (GET the round's projects for their ids)",
                    )
                )
    return problems
