"""Maximum utilitarian welfare: the affordable set of projects with the most total support.

Support is the pabulib score of each project (approvals, points, or ordinal
points), so the rule maximises the sum of scores within the budget — the
knapsack problem — solved exactly by CP-SAT and proven optimal. Among several
optimal sets, the one funding the projects earliest in the tie-breaking order
is chosen, so the outcome does not depend on the solver's search.

Fairness constraints enter the model exactly: spending caps are hard; floors
are met if any affordable set meets them, and otherwise fall short by the
least total possible, the result naming each shortfall. Money, including a
city-wide project's cost counted towards a district by its supporters' share,
stays exact: the solver model scales it by a common multiple of every
denominator, and where that cannot fit in 64-bit integers it checks every
answer in exact arithmetic instead (solvers/cpsat.py). Projects that must be
funded together stand or fall as one bundle, overlapping sets included.

Every unfunded project is explained by how much total support the best set
that includes it loses against the optimum.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from math import lcm

from pbengine.core.bundles import bundles
from pbengine.core.election import Election, Project
from pbengine.core.fairness.bounds import Constraints, SpendBound
from pbengine.core.money import readable
from pbengine.core.outcome import Outcome, assemble
from pbengine.core.rules.greedy import score_unit
from pbengine.core.rules.solvers.cpsat import SelectionModel
from pbengine.core.rules.solvers.errors import SolverError
from pbengine.core.scoring import project_scores
from pbengine.core.tiebreak import DEFAULT, TieBreaking

UNCONSTRAINED = Constraints()

# Deterministic solver time (about seconds) to settle one unfunded project's explanation.
EXPLANATION_EFFORT = 5.0
# Weighted scores with a larger common denominator are rounded to this many parts of a vote.
SCORE_RESOLUTION = 10**6


def max_utilitarian_welfare(
    election: Election,
    *,
    tie_breaking: TieBreaking = DEFAULT,
    rule: str = "max-welfare",
    constraints: Constraints = UNCONSTRAINED,
) -> Outcome:
    scores = constraints.scores or project_scores(election)
    unit = score_unit(election.vote_type)
    reasons: dict[str, str] = dict(constraints.ineligible)
    eligible = _eligible(election, scores, unit, constraints, reasons)
    if not eligible:
        return assemble(election, rule, [], reasons, ("nothing eligible to fund",))
    points, notes = _score_points(scores, eligible)
    # In the election's order, never a set's: the solver's variables follow this order, and
    # with it which of several optima it meets first and how many solves it reports.
    weights = {p.id: math.floor(scores[p.id] * points) for p in eligible}
    model = _model(election, eligible, weights, constraints)
    least = model.least_shortfall()
    if least is None:
        for p in eligible:
            reasons[p.id] = "not funded: no selection satisfies the spending caps"
        return assemble(election, rule, [], reasons, ("no selection satisfies the caps",))
    shortfall, proven = least
    model.shortfall_allowed = shortfall
    ranks = tie_breaking.ranks(election)
    preference = sorted(model.weights, key=ranks.__getitem__)
    calls = model.calls
    best, chosen, _ = model.lexicographic_optimum(preference)
    total = Fraction(best, points)
    for p in eligible:
        reasons[p.id] = (
            f"funded: part of the affordable set with the most total support "
            f"({readable(total)} {unit}, proven optimal)"
            if p.id in chosen
            else _why_not_funded(
                model, p.id, best=best, points=points, unit=unit, constraints=constraints
            )
        )
    selected = [pid for pid in preference if pid in chosen]
    solves = model.calls - calls
    notes.insert(
        0, f"CP-SAT: total support {readable(total)} {unit}, proven optimal ({solves} solves)"
    )
    notes += _shortfall_notes(shortfall, proven)
    return assemble(election, rule, selected, reasons, tuple(notes))


def _score_points(scores: Mapping[str, Fraction], eligible: list[Project]) -> tuple[int, list[str]]:
    """Parts of a vote the solver counts in (its weights are integers), and a note if rounded."""
    points = lcm(1, *(scores[p.id].denominator for p in eligible))
    notes: list[str] = []
    if points > SCORE_RESOLUTION:
        points = SCORE_RESOLUTION
        notes.append(f"weighted scores rounded down to 1/{SCORE_RESOLUTION:,} of a vote")
    return points, notes


def _why_not_funded(
    model: SelectionModel,
    pid: str,
    *,
    best: int,
    points: int,
    unit: str,
    constraints: Constraints,
) -> str:
    """What the best set including the project loses against the optimum."""
    try:
        with_it = model.solve({pid: True}, effort=EXPLANATION_EFFORT)
    except SolverError:
        return (
            "not funded: not in the optimal set (what including it would cost was not "
            "settled within the solver's search effort)"
        )
    if with_it is None:
        return (
            "not funded: no affordable set can include it"
            if not (constraints.bounds or constraints.exclusive or constraints.together)
            else "not funded: no affordable set meeting the constraints can include it"
        )
    loss = Fraction(best - with_it[0], points)
    return (
        f"not funded: swapping it in lowers total support by {readable(loss)} {unit}"
        if loss
        else "not funded: an equally supported set includes it; the tie-breaking order "
        "preferred the funded one"
    )


def _shortfall_notes(shortfall: Fraction, proven: bool) -> list[str]:
    if shortfall and proven:
        return ["the floors cannot all be met: the result falls short by the least total possible"]
    if shortfall:
        return [
            "the floors cannot all be met: the result falls short by the least total CP-SAT "
            "found in a fixed, machine-independent search effort (not proven least)"
        ]
    return []


def _eligible(
    election: Election,
    scores: Mapping[str, Fraction],
    unit: str,
    constraints: Constraints,
    reasons: dict[str, str],
) -> list[Project]:
    """Projects the solver may choose; the others get their reason."""
    eligible = []
    for p in election.projects:
        if p.id in reasons:
            continue
        if scores[p.id] <= 0:
            reasons[p.id] = f"not funded: no {unit}"
        elif p.withdrawn or p.cost > election.budget:
            reasons[p.id] = f"not funded: costs {readable(p.cost)}, more than the whole budget"
        else:
            eligible.append(p)
    ids = {p.id for p in eligible}
    for bundle in bundles(constraints.together):
        blocked = sorted(bundle - ids)
        if blocked:
            for pid in sorted(bundle & ids):
                reasons[pid] = (
                    f"not funded: it must be funded together with {_projects(blocked)}, "
                    "which cannot be"
                )
            ids -= bundle
    return [p for p in eligible if p.id in ids]


def _projects(ids: Sequence[str]) -> str:
    return f"project {ids[0]}" if len(ids) == 1 else f"projects {', '.join(ids)}"


def _model(
    election: Election,
    eligible: list[Project],
    weights: dict[str, int],
    constraints: Constraints,
) -> SelectionModel:
    ids = {p.id for p in eligible}
    costs = {p.id: p.cost for p in eligible}

    def counted(bound: SpendBound) -> dict[str, Fraction]:
        return {p: costs[p] * s for p, s in bound.shares.items() if p in ids}

    exclusive = [*constraints.exclusive, *election.exclusive_sets]
    return SelectionModel(
        weights=weights,
        costs=costs,
        budget=election.budget,
        at_most_one=[g & ids for g in exclusive if len(g & ids) > 1],
        together=[g for g in constraints.together if len(g) > 1 and g <= ids],
        floors=[(counted(b), b.floor) for b in constraints.bounds if b.floor is not None],
        caps=[(counted(b), b.cap) for b in constraints.bounds if b.cap is not None],
    )
