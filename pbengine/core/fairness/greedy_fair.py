"""Greedy under fairness constraints, the way a city could run it by hand.

Projects are taken by score, highest first, as in plain greedy. Floors come
first: for each floor, in the order declared, the best-scoring projects that
count towards it are funded until it is reached (or nothing more fits).
Then everything else in score order: a project is skipped when it would pass
a cap, when a project it excludes is funded, or when the projects it must be
funded with do not fit alongside it. Must-fund-together projects are funded
as one, when the first of them comes up.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from pbengine.core.election import Election, Project
from pbengine.core.fairness.bounds import Constraints
from pbengine.core.money import readable
from pbengine.core.outcome import Outcome, assemble
from pbengine.core.rules.greedy import score_unit
from pbengine.core.scoring import project_scores
from pbengine.core.tiebreak import TieBreaking


def constrained_greedy(
    election: Election, constraints: Constraints, *, rule: str, tie_breaking: TieBreaking
) -> Outcome:
    scores = constraints.scores or project_scores(election)
    ineligible, bounds, together = constraints.ineligible, constraints.bounds, constraints.together
    unit = score_unit(election.vote_type)
    ranks = tie_breaking.ranks(election)
    order = sorted(election.projects, key=lambda p: (-scores[p.id], ranks[p.id]))
    costs = election.costs()
    selected: list[str] = []
    reasons: dict[str, str] = dict(ineligible)
    exclusive = [*constraints.exclusive, *election.exclusive_sets]

    def remaining() -> Fraction:
        return election.budget - sum((costs[p] for p in selected), Fraction(0))

    def blocked(project: Project) -> str | None:
        """Why the project (with its must-fund-together partners) cannot be funded now."""
        pid = project.id
        if pid in ineligible:
            return ineligible[pid]
        if project.withdrawn:
            return "not funded: withdrawn"
        if scores[pid] <= 0:
            return f"not funded: no {unit}"
        bundle = _bundle(pid, together)
        for member in bundle:
            if member in ineligible or scores[member] <= 0:
                return f"not funded: it must be funded with project {member}, which cannot be"
            for group in exclusive:
                if member in group:
                    rival = next((q for q in selected if q in group and q not in bundle), None)
                    if rival is not None:
                        return f"not funded: it excludes project {rival}, which was funded first"
        cost = sum((costs[m] for m in bundle), Fraction(0))
        if cost > remaining():
            with_partners = " with the projects it must be funded with" if len(bundle) > 1 else ""
            return (
                f"not funded: {readable(remaining())} left, costs {readable(cost)}{with_partners}"
            )
        for bound in bounds:
            room = bound.room(selected, costs)
            if room is not None and bound.spend(bundle, costs) > room:
                return (
                    f"not funded: it would take {bound.label} past its cap of "
                    f"{readable(bound.cap or Fraction(0))} ({readable(room)} left there)"
                )
        return None

    def fund(project: Project, why: str) -> None:
        for member in _bundle(project.id, together):
            selected.append(member)
            partner = "" if member == project.id else f" (funded together with {project.id})"
            reasons[member] = why + partner

    for bound in bounds:
        if bound.floor is None:
            continue
        for project in order:
            if bound.spend(selected, costs) >= bound.floor:
                break
            if project.id in selected or not bound.shares.get(project.id):
                continue
            if blocked(project) is None:
                fund(
                    project,
                    f"funded to meet the floor of {readable(bound.floor)} for {bound.label}: "
                    f"{readable(scores[project.id])} {unit}",
                )
    for position, project in enumerate(order, 1):
        if project.id in selected:
            continue
        why_not = blocked(project)
        standing = f"{readable(scores[project.id])} {unit}, {position}. by score"
        if why_not is None:
            fund(project, f"funded: {standing}; costs {readable(costs[project.id])}")
        else:
            reasons[project.id] = f"{why_not} ({standing})"
    return assemble(election, rule, selected, reasons)


def _bundle(pid: str, together: Sequence[frozenset[str]]) -> list[str]:
    """The project and everything that must be funded with it (closed under overlap)."""
    members = {pid}
    grew = True
    while grew:
        grew = False
        for group in together:
            if group & members and not group <= members:
                members |= group
                grew = True
    return [pid, *sorted(members - {pid})]
