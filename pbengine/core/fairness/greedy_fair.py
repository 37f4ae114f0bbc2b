"""Greedy under fairness constraints, the way a city could run it by hand.

The rule stays the rule: what the plain greedy rule of that name applies of
the election's own (`own_policy`: Amsterdam's per-category caps and leftover
pass, a score threshold, the file's exclusive sets, stopping at the first
project that does not fit) applies here too, and the constraints come on top.

Projects are taken by score, highest first, as in plain greedy. Floors come
first: for each floor, in the order declared, the best-scoring projects that
count towards it are funded until it is reached (or nothing more fits).
Then everything else in score order: a project is skipped when it would pass
a cap, when a project it excludes is funded, or when the projects it must be
funded with cannot all be funded alongside it. Must-fund-together projects
(a bundle: together sets closed over overlap) are funded as one, when the
first of them comes up. A rule that stops at the first project that does not
fit stops only for money: a project skipped for a cap or a set does not stop
it, since the plain rule has no caps or sets to stop for.
"""

from __future__ import annotations

from fractions import Fraction

from pbengine.core.bundles import bundle_of
from pbengine.core.election import Election, Project
from pbengine.core.fairness.bounds import Constraints
from pbengine.core.money import readable
from pbengine.core.outcome import Outcome, assemble
from pbengine.core.rules.greedy import GreedyPolicy, category_caps_from_meta, score_unit
from pbengine.core.scoring import project_scores
from pbengine.core.tiebreak import TieBreaking

# Poznań's reserve rule, as core/rules names it.
_RESERVE_SHARE = Fraction(4, 5)


def own_policy(rule: str, election: Election) -> GreedyPolicy:
    """What the plain greedy rule of this name applies of the election's own (core/rules)."""
    threshold = election.score_threshold
    if rule == "greedy":
        # Amsterdam's files describe the leftover pass in words; its presence is what counts.
        leftover = bool(election.meta.get("leftover_budget", "").strip())
        caps = category_caps_from_meta(election.meta)
        return GreedyPolicy(category_caps=caps, leftover_pass=leftover)
    if rule == "greedy-threshold":
        return GreedyPolicy(threshold=threshold)
    if rule == "greedy-no-skip":
        return GreedyPolicy(threshold=threshold, stop_at_first_misfit=True)
    if rule == "greedy-exclusive":
        return GreedyPolicy(exclusive_sets=election.exclusive_sets)
    if rule == "greedy-reserve":
        return GreedyPolicy(
            threshold=threshold, stop_at_first_misfit=True, reserve_share=_RESERVE_SHARE
        )
    raise ValueError(f"{rule!r} is not a greedy rule")


def constrained_greedy(
    election: Election,
    constraints: Constraints,
    *,
    rule: str,
    tie_breaking: TieBreaking,
    policy: GreedyPolicy | None = None,
) -> Outcome:
    run = _Run(election, constraints, policy or GreedyPolicy())
    ranks = tie_breaking.ranks(election)
    order = sorted(election.projects, key=lambda p: (-run.scores[p.id], ranks[p.id]))
    run.floors_first(order)
    run.by_score(order)
    if run.policy.leftover_pass and run.policy.category_caps:
        run.leftover(order)
    return assemble(election, rule, run.selected, run.reasons)


class _Run:
    """One run of constrained greedy: what is funded so far, and why each project is not."""

    def __init__(self, election: Election, constraints: Constraints, policy: GreedyPolicy) -> None:
        self.election = election
        self.constraints = constraints
        self.policy = policy
        self.own_scores = project_scores(election)
        self.scores = constraints.scores or self.own_scores
        self.unit = score_unit(election.vote_type)
        self.by_id = {p.id: p for p in election.projects}
        self.costs = election.costs()
        self.exclusive = [*constraints.exclusive, *policy.exclusive_sets]
        self.selected: list[str] = []
        self.reasons: dict[str, str] = dict(constraints.ineligible)

    def remaining(self) -> Fraction:
        return self.election.budget - sum((self.costs[p] for p in self.selected), Fraction(0))

    def bundle(self, pid: str) -> list[str]:
        return bundle_of(pid, self.constraints.together)

    def ruled_out(self, pid: str) -> str | None:
        """Why a project can never be funded, whatever is funded before it; None if it can."""
        if pid in self.constraints.ineligible:
            return self.constraints.ineligible[pid]
        if self.by_id[pid].withdrawn:
            return "not funded: withdrawn (its cost is the placeholder 999,999,999)"
        if self.scores[pid] <= 0:
            return f"not funded: no {self.unit}"
        threshold = self.policy.threshold
        # The file's threshold is on its own scores, not on turnout-weighted ones.
        if threshold is not None and self.own_scores[pid] < threshold:
            return (
                f"not funded: {readable(self.own_scores[pid])} {self.unit} is under the "
                f"threshold of {readable(threshold)}"
            )
        return None

    def rivals(self, pid: str, bundle: list[str]) -> str | None:
        """A project the bundle may not be funded with: inside it, or funded already."""
        for group in self.exclusive:
            inside = sorted(group.intersection(bundle))
            if len(inside) > 1:
                if pid in inside:
                    others = _names([q for q in inside if q != pid])
                    return (
                        f"not funded: it must be funded together with {others}, which it excludes"
                    )
                return (
                    f"not funded: it must be funded together with {_names(inside)}, "
                    "which exclude each other"
                )
            if not inside:
                continue
            rival = next((q for q in self.selected if q in group and q not in bundle), None)
            if rival is not None:
                if inside == [pid]:
                    return f"not funded: it excludes project {rival}, which was funded first"
                return (
                    f"not funded: it must be funded together with project {inside[0]}, which "
                    f"excludes project {rival}, funded first"
                )
        return None

    def blocked(
        self, project: Project, *, check_money: bool = True, own_caps: bool = True
    ) -> tuple[str, bool] | None:
        """Why the project (with its bundle) cannot be funded now, and whether for money alone."""
        pid = project.id
        bundle = self.bundle(pid)
        why = self.ruled_out(pid)
        if why is not None:
            return why, False
        for member in bundle[1:]:
            if self.ruled_out(member) is not None:
                return (
                    f"not funded: it must be funded with project {member}, which cannot be",
                    False,
                )
        why = self.rivals(pid, bundle)
        if why is not None:
            return why, False
        cost = sum((self.costs[m] for m in bundle), Fraction(0))
        if check_money and cost > self.remaining():
            with_partners = " with the projects it must be funded with" if len(bundle) > 1 else ""
            money = f"not funded: {readable(self.remaining())} left, costs {readable(cost)}"
            return money + with_partners, True
        if own_caps:
            why = _own_cap(bundle, self.selected, self.by_id, self.policy)
            if why is not None:
                return why, False
        for bound in self.constraints.bounds:
            room = bound.room(self.selected, self.costs)
            if room is not None and bound.spend(bundle, self.costs) > room:
                return (
                    f"not funded: it would take {bound.label} past its cap of "
                    f"{readable(bound.cap or Fraction(0))} ({readable(room)} left there)"
                ), False
        return None

    def fund(self, project: Project, why: str) -> None:
        for member in self.bundle(project.id):
            self.selected.append(member)
            partner = "" if member == project.id else f" (funded together with {project.id})"
            self.reasons[member] = why + partner

    def floors_first(self, order: list[Project]) -> None:
        for bound in self.constraints.bounds:
            if bound.floor is None:
                continue
            for project in order:
                if bound.spend(self.selected, self.costs) >= bound.floor:
                    break
                if project.id in self.selected or not bound.shares.get(project.id):
                    continue
                if self.blocked(project) is None:
                    self.fund(
                        project,
                        f"funded to meet the floor of {readable(bound.floor)} for {bound.label}: "
                        f"{readable(self.scores[project.id])} {self.unit}",
                    )

    def by_score(self, order: list[Project]) -> None:
        stopped_at: str | None = None
        for position, project in enumerate(order, 1):
            pid = project.id
            if pid in self.selected:
                continue
            standing = f"{readable(self.scores[pid])} {self.unit}, {position}. by score"
            if stopped_at is not None:
                self.reasons[pid] = (
                    f"not considered: the rule stopped at project {stopped_at} ({standing})"
                )
                continue
            verdict = self.blocked(project)
            if verdict is None:
                self.fund(project, f"funded: {standing}; costs {readable(self.costs[pid])}")
                continue
            why_not, for_money = verdict
            self.reasons[pid] = f"{why_not} ({standing})"
            if for_money and self.policy.stop_at_first_misfit:
                stopped_at = pid
                if not self.from_reserves(project, standing):
                    self.reasons[pid] += "; the rule stops at the first project that does not fit"

    def from_reserves(self, project: Project, standing: str) -> bool:
        """Poznań's rule: the project stopped at is funded if what is left covers its share."""
        share = self.policy.reserve_share
        cost = sum((self.costs[m] for m in self.bundle(project.id)), Fraction(0))
        left = self.remaining()
        if share is None or left < share * cost or self.blocked(project, check_money=False):
            return False
        self.fund(
            project,
            f"funded from reserves: {standing}; {readable(left)} left covers at least "
            f"{float(share * 100):g}% of its cost, {readable(cost)}",
        )
        return True

    def leftover(self, order: list[Project]) -> None:
        """Amsterdam's leftover pass: what is left goes by score, past the file's own caps."""
        for project in order:
            if project.id not in self.selected and self.blocked(project, own_caps=False) is None:
                earlier = self.reasons[project.id].removeprefix("not funded: ")
                self.fund(project, f"funded from the leftover budget: {earlier}")


def _own_cap(
    bundle: list[str], selected: list[str], by_id: dict[str, Project], policy: GreedyPolicy
) -> str | None:
    """The file's own category cap (Amsterdam's budget_per_category) the bundle would pass."""
    for member in bundle:
        for category in by_id[member].categories:
            cap = policy.category_caps.get(category)
            if cap is None:
                continue
            spent = sum(
                (by_id[q].cost for q in selected if category in by_id[q].categories), Fraction(0)
            )
            adding = sum(
                (by_id[m].cost for m in bundle if category in by_id[m].categories), Fraction(0)
            )
            if adding > cap - spent:
                return (
                    f"not funded: category {category} has {readable(cap - spent)} left of its "
                    f"cap, costs {readable(adding)}"
                )
    return None


def _names(ids: list[str]) -> str:
    if len(ids) == 1:
        return f"project {ids[0]}"
    return f"projects {', '.join(ids[:-1])} and {ids[-1]}"
