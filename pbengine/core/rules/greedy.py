"""The greedy family, as cities run it.

Projects are sorted by score, highest first (ties: the tie-breaking order,
by default the order projects were listed in), and considered one by one:

- `greedy` funds each project that still fits and skips the others;
- `greedy-threshold` first sets aside projects scoring under the election's
  `min_project_score_threshold` (a score equal to it is enough);
- `greedy-no-skip` stops at the first project that does not fit;
- `greedy-exclusive` never funds two projects of one exclusive set (the one
  considered first wins);
- `greedy-reserve` is Poznań's `greedy-custom`: no-skip, and the project it
  stops at is funded from reserve money when what is left covers at least 80%
  of its cost.

Per-category caps (Amsterdam's `budget_per_category`) bound what each category
may take; a leftover pass, when asked for, then spends what is left in score
order without the caps. A project costing the withdrawn-project placeholder
(999,999,999) is never funded and never stops the rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from pbengine.core.election import Election, Project, VoteType
from pbengine.core.money import readable
from pbengine.core.outcome import Outcome, assemble
from pbengine.core.scoring import project_scores
from pbengine.core.tiebreak import LISTED_ORDER, TieBreaking


@dataclass(frozen=True)
class GreedyPolicy:
    threshold: Fraction | None = None
    stop_at_first_misfit: bool = False
    reserve_share: Fraction | None = None
    exclusive_sets: tuple[frozenset[str], ...] = ()
    category_caps: Mapping[str, Fraction] = field(default_factory=dict)
    leftover_pass: bool = False


def greedy(
    election: Election,
    policy: GreedyPolicy = GreedyPolicy(),
    *,
    rule: str = "greedy",
    tie_breaking: TieBreaking = LISTED_ORDER,
    scores: Mapping[str, Fraction] | None = None,
) -> Outcome:
    scores = project_scores(election) if scores is None else scores
    unit = score_unit(election.vote_type)
    ranks = tie_breaking.ranks(election)
    order = sorted(election.projects, key=lambda p: (-scores[p.id], ranks[p.id]))
    run = _Run(election.budget)
    for place, project in enumerate(order, start=1):
        score = scores[project.id]
        standing = f"{readable(score)} {unit}, {_ordinal(place)} highest"
        _consider(project, score, unit, standing, policy=policy, run=run)
    if policy.leftover_pass and policy.category_caps:
        _leftover_pass(order, scores, policy, run)
    return assemble(election, rule, run.selected, run.reasons)


@dataclass
class _Run:
    """What a greedy run has funded so far, what is left, and why each project stands."""

    remaining: Fraction
    spent_in: dict[str, Fraction] = field(default_factory=dict)
    selected: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)
    stopped_at: str | None = None

    def fund(self, project: Project, why: str) -> None:
        self.reasons[project.id] = why
        self.selected.append(project.id)
        self.remaining -= project.cost
        for category in project.categories:
            self.spent_in[category] = self.spent_in.get(category, Fraction(0)) + project.cost


def _consider(
    project: Project,
    score: Fraction,
    unit: str,
    standing: str,
    *,
    policy: GreedyPolicy,
    run: _Run,
) -> None:
    """Fund the project, or give the reason it is not funded."""
    pid, cost, remaining = project.id, project.cost, run.remaining
    if run.stopped_at is not None:
        run.reasons[pid] = (
            f"not considered: the rule stopped at project {run.stopped_at} ({standing})"
        )
    elif (
        why_not := _ineligible(project, score, unit, standing, policy=policy, selected=run.selected)
    ) is not None:
        run.reasons[pid] = why_not
    elif cost > remaining:
        _misfit(project, standing, policy, run)
    elif (
        cap := _cap_breached(project.categories, cost, run.spent_in, policy.category_caps)
    ) is not None:
        category, left = cap
        run.reasons[pid] = (
            f"not funded: category {category} has {readable(left)} left of its cap, "
            f"costs {readable(cost)} ({standing})"
        )
    else:
        run.fund(
            project, f"funded: {standing}; costs {readable(cost)} of {readable(remaining)} left"
        )


def _misfit(project: Project, standing: str, policy: GreedyPolicy, run: _Run) -> None:
    """A project costing more than is left: funded from reserves, or where a no-skip rule stops."""
    pid, cost, remaining = project.id, project.cost, run.remaining
    if policy.reserve_share is not None and remaining >= policy.reserve_share * cost:
        share = _percent(policy.reserve_share)
        run.fund(
            project,
            f"funded from reserves: {standing}; {readable(remaining)} left covers "
            f"at least {share} of its cost, {readable(cost)}",
        )
        run.stopped_at = pid
        return
    run.reasons[pid] = (
        f"not funded: {readable(remaining)} left, costs {readable(cost)} ({standing})"
    )
    if policy.stop_at_first_misfit:
        run.reasons[pid] += "; the rule stops at the first project that does not fit"
        run.stopped_at = pid


def _leftover_pass(
    order: list[Project], scores: Mapping[str, Fraction], policy: GreedyPolicy, run: _Run
) -> None:
    """What the category caps left unspent goes, in score order, to what still fits."""
    for project in order:
        pid = project.id
        if (
            pid in run.selected
            or scores[pid] <= 0
            or project.withdrawn
            or project.cost > run.remaining
        ):
            continue
        if _funded_alternative(pid, run.selected, policy.exclusive_sets) is None:
            run.fund(
                project,
                f"funded from the leftover budget: {run.reasons[pid].removeprefix('not funded: ')}",
            )


def _ineligible(
    project: Project,
    score: Fraction,
    unit: str,
    standing: str,
    *,
    policy: GreedyPolicy,
    selected: list[str],
) -> str | None:
    """Why a project cannot be funded whatever money is left, or None."""
    if project.withdrawn:
        return "not funded: withdrawn (its cost is the placeholder 999,999,999)"
    if score <= 0:
        return f"not funded: no {unit}"
    if policy.threshold is not None and score < policy.threshold:
        return (
            f"not funded: {readable(score)} {unit} is under the threshold of "
            f"{readable(policy.threshold)}"
        )
    rival = _funded_alternative(project.id, selected, policy.exclusive_sets)
    if rival is not None:
        return f"not funded: it excludes project {rival}, which was funded first ({standing})"
    return None


def score_unit(vote_type: VoteType) -> str:
    return "votes" if vote_type in (VoteType.APPROVAL, VoteType.CHOOSE_1) else "points"


def category_caps_from_meta(meta: Mapping[str, str]) -> dict[str, Fraction]:
    """Amsterdam's `categories` + `budget_per_category` META pair, as caps per category."""
    names = [n.strip() for n in meta.get("categories", "").split(",") if n.strip()]
    amounts = [a.strip() for a in meta.get("budget_per_category", "").split(",") if a.strip()]
    if not names or len(names) != len(amounts):
        return {}
    return {name: Fraction(amount) for name, amount in zip(names, amounts, strict=True)}


def _funded_alternative(
    pid: str, selected: list[str], exclusive_sets: tuple[frozenset[str], ...]
) -> str | None:
    for group in exclusive_sets:
        if pid in group:
            for other in selected:
                if other in group:
                    return other
    return None


def _cap_breached(
    categories: tuple[str, ...],
    cost: Fraction,
    spent_in: dict[str, Fraction],
    caps: Mapping[str, Fraction],
) -> tuple[str, Fraction] | None:
    for category in categories:
        if category in caps:
            left = caps[category] - spent_in.get(category, Fraction(0))
            if cost > left:
                return category, left
    return None


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _percent(share: Fraction) -> str:
    return f"{float(share * 100):g}%"
