"""Re-runs: a rule that cannot steer spending runs again without what broke a cap or a set.

Equal Shares and Phragmén know nothing of caps and sets. Floors over whole
projects become sub-budgets their projects compete for first; outcome shares
become one pool per outcome. A run whose result breaks a cap or a set is then
followed by a re-run without every project that broke one (see culprits.py),
until a run breaks none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from fractions import Fraction

from pbengine.core.election import Election
from pbengine.core.fairness.bounds import SpendBound
from pbengine.core.fairness.culprits import culprits_of
from pbengine.core.fairness.resolve import Resolved
from pbengine.core.money import readable
from pbengine.core.outcome import Decision, Outcome
from pbengine.core.pools import Pool, allocate_in_pools, pool_election
from pbengine.core.rules import RuleOptions, allocate


def rerun(
    election: Election, rule: str, resolved: Resolved, options: RuleOptions
) -> tuple[Outcome, tuple[str, ...]]:
    """Floors as sub-budgets first; a run that breaks a cap or a set is run again without
    every project that broke one."""
    notes: list[str] = []
    if resolved.voter_weights is not None:
        notes.append(f"{rule} does not apply turnout weights: every ballot counted once")
    floors = [b for b in resolved.bounds if b.floor is not None and _whole(b)]
    for b in resolved.bounds:
        if b.floor is not None and not _whole(b):
            notes.append(
                f"{b.label}: {rule} cannot steer spending attributed by supporters; "
                "its floor is checked, not enforced"
            )
    outcome, reruns = _until_kept(
        election,
        rule,
        resolved,
        lambda excluded: _floors_then_rest(election, rule, options, floors, excluded),
    )
    return outcome, (*notes, *reruns)


def _until_kept(
    election: Election,
    rule: str,
    resolved: Resolved,
    run: Callable[[Mapping[str, str]], Outcome],
) -> tuple[Outcome, list[str]]:
    """Run, and run again without every project that broke a cap or a set, until none does.

    Taking out all the culprits of one run at once, rather than the latest one
    and running again, bounds the re-runs by how the constraints interact
    rather than by how many projects break them: on Warsaw 2022 Bielany with a
    district floor and cap, an exclusive and a together pair, Equal Shares
    with add1 went from 35 runs (663 s) to 5 (38 s; docs/fairness.md). Each
    culprit is a project the rule itself funded that, in the order it funded
    them, broke a cap or a set; the one exception is a bundle's unfunded
    members, which go with it since they can never be funded without it.
    Every re-run takes out at least one funded project not taken out before,
    so there are never more runs than projects.
    """
    excluded: dict[str, str] = dict(resolved.ineligible)
    costs = election.costs()
    notes: list[str] = []
    for runs in range(1, len(election.projects) + 2):
        outcome = run(excluded)
        culprits = culprits_of(outcome.selected, costs, resolved)
        if not culprits:
            break
        excluded.update(culprits)
        notes.extend(
            f"re-run {runs}: without project {pid}: {why.removeprefix('not funded: ')}"
            for pid, why in culprits.items()
        )
    else:  # pragma: no cover - every re-run takes out a project, so this cannot be reached
        raise AssertionError(f"{rule}: constraints still broken after a run per project")
    if any(b.cap is not None for b in resolved.bounds) or resolved.exclusive or resolved.together:
        summary = (
            f"{rule} ran once: nothing it funded broke a cap or a set"
            if runs == 1
            else f"{rule} ran {runs} times: each re-run took out every project that broke a "
            "cap or a set in the run before"
        )
        notes.insert(0, summary)
    return outcome, notes


def _floors_then_rest(
    election: Election,
    rule: str,
    options: RuleOptions,
    floors: Sequence[SpendBound],
    excluded: Mapping[str, str],
) -> Outcome:
    costs = election.costs()
    selected: list[str] = []
    decided: dict[str, Decision] = {}
    allowed = [p.id for p in election.projects if p.id not in excluded]
    for bound in floors:
        assert bound.floor is not None
        need = bound.floor - bound.spend(selected, costs)
        left = election.budget - sum((costs[p] for p in selected), Fraction(0))
        members = frozenset(p for p in allowed if p in bound.shares and p not in selected)
        if need <= 0 or not members:
            continue
        pool = Pool(f"floor of {bound.label}", min(need, left), members)
        sub = allocate(pool_election(election, pool), rule, options)
        selected.extend(sub.selected)
        for d in sub.decisions:
            if d.funded:
                label = f"[sub-budget of {readable(pool.budget)} for the floor of {bound.label}]"
                decided[d.project_id] = Decision(d.project_id, True, f"{label} {d.explanation}")
    left = election.budget - sum((costs[p] for p in selected), Fraction(0))
    rest = Pool("rest", left, frozenset(p for p in allowed if p not in selected))
    prices = None
    if rest.projects:
        sub = allocate(pool_election(election, rest), rule, options)
        # One run over the whole budget keeps its price system; sub-budgets have one each.
        prices = None if selected else sub.price_system
        selected.extend(sub.selected)
        decided.update({d.project_id: d for d in sub.decisions})
    decisions = tuple(
        decided.get(pid) or Decision(pid, False, excluded.get(pid, "not funded"))
        for pid in election.project_ids
    )
    return Outcome(rule, election.budget, tuple(selected), decisions, price_system=prices)


def by_outcome_pools(
    election: Election, rule: str, resolved: Resolved, options: RuleOptions
) -> tuple[Outcome, tuple[str, ...]]:
    pooled = set().union(*(p.projects for p in resolved.outcome_pools))

    def run(excluded: Mapping[str, str]) -> Outcome:
        eligible = [
            replace(pool, projects=pool.projects - set(excluded)) for pool in resolved.outcome_pools
        ]
        outcome = allocate_in_pools(election, eligible, lambda sub: allocate(sub, rule, options))
        by_id = {d.project_id: d for d in outcome.decisions}
        decisions = []
        for pid in election.project_ids:
            if pid in excluded:
                decisions.append(Decision(pid, False, excluded[pid]))
            elif pid not in pooled:
                decisions.append(Decision(pid, False, "not funded: it serves no outcome priority"))
            else:
                decisions.append(by_id[pid])
        return replace(outcome, decisions=tuple(decisions))

    outcome, reruns = _until_kept(election, rule, resolved, run)
    notes: tuple[str, ...] = (
        "outcome shares: each outcome's projects compete for its share of the budget",
    )
    if any(b.floor is not None for b in resolved.bounds):
        notes += ("with outcome shares, spending floors are checked, not enforced",)
    return outcome, (*notes, *reruns)


def _whole(bound: SpendBound) -> bool:
    return all(share == 1 for share in bound.shares.values())
