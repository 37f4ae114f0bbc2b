"""Maximum utilitarian welfare: the affordable set of projects with the most total support.

Support is the pabulib score of each project (approvals, points, or ordinal
points), so the rule maximises the sum of scores within the budget — the
knapsack problem — solved exactly by CP-SAT and proven optimal. Among several
optimal sets, the one funding the projects earliest in the tie-breaking order
is chosen, so the outcome does not depend on the solver's search.

Every unfunded project is explained by how much total support the best set
that includes it loses against the optimum.
"""

from __future__ import annotations

from fractions import Fraction
from math import lcm

from pbengine.core.election import Election
from pbengine.core.money import readable
from pbengine.core.outcome import Outcome, assemble
from pbengine.core.rules.greedy import score_unit
from pbengine.core.rules.solvers.cpsat import SelectionModel
from pbengine.core.scoring import project_scores
from pbengine.core.tiebreak import DEFAULT, TieBreaking


def max_utilitarian_welfare(
    election: Election, *, tie_breaking: TieBreaking = DEFAULT, rule: str = "max-welfare"
) -> Outcome:
    scores = project_scores(election)
    unit = score_unit(election.vote_type)
    reasons: dict[str, str] = {}
    eligible = []
    for p in election.projects:
        if scores[p.id] <= 0:
            reasons[p.id] = f"not funded: no {unit}"
        elif p.withdrawn or p.cost > election.budget:
            reasons[p.id] = f"not funded: costs {readable(p.cost)}, more than the whole budget"
        else:
            eligible.append(p)
    if not eligible:
        return assemble(election, rule, [], reasons, ("nothing eligible to fund",))
    ids = {p.id for p in eligible}
    money = lcm(1, election.budget.denominator, *(p.cost.denominator for p in eligible))
    points = lcm(1, *(scores[p.id].denominator for p in eligible))
    model = SelectionModel(
        weights={p.id: int(scores[p.id] * points) for p in eligible},
        costs={p.id: int(p.cost * money) for p in eligible},
        budget=int(election.budget * money),
        at_most_one=[g & ids for g in election.exclusive_sets if len(g & ids) > 1],
    )
    ranks = tie_breaking.ranks(election)
    preference = sorted(model.weights, key=ranks.__getitem__)
    best, chosen, solves = model.lexicographic_optimum(preference)
    total = Fraction(best, points)
    for p in eligible:
        if p.id in chosen:
            reasons[p.id] = (
                f"funded: part of the affordable set with the most total support "
                f"({readable(total)} {unit}, proven optimal)"
            )
            continue
        solves += 1
        with_it = model.solve({p.id: True})
        if with_it is None:
            reasons[p.id] = "not funded: no affordable set can include it"
            continue
        loss = Fraction(best - with_it[0], points)
        reasons[p.id] = (
            f"not funded: swapping it in lowers total support by {readable(loss)} {unit}"
            if loss
            else "not funded: an equally supported set includes it; the tie-breaking order "
            "preferred the funded one"
        )
    selected = [pid for pid in preference if pid in chosen]
    notes = (f"CP-SAT: total support {readable(total)} {unit}, proven optimal ({solves} solves)",)
    return assemble(election, rule, selected, reasons, notes)
