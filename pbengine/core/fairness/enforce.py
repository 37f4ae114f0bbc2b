"""Run a rule under fairness constraints, and check every constraint on the result.

How each rule honours the constraints:

- max-welfare: all of them, exactly, in the CP-SAT model (floors fall short
  only when no affordable set meets them, by the least total possible);
- the greedy family: floors first, then greedy skipping whatever would pass
  a cap or break an exclusive or together set (core/fairness/greedy_fair.py);
- equal shares and Phragmén: a floor over whole projects becomes a
  sub-budget its projects compete for first; the rule then runs on the rest
  of the budget; a cap, exclusive or together set the result breaks takes
  out the project that broke it, and the rule runs again without it.
  Turnout weights are not applied by these rules, and the result says so.

Whatever the rule, every bound is checked on the result: a floor not met is
named with its shortfall, never passed over in silence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from pbengine.core.election import Election
from pbengine.core.fairness.bounds import Constraints, SpendBound
from pbengine.core.fairness.greedy_fair import constrained_greedy
from pbengine.core.fairness.resolve import NO_FACTS, Resolved, resolve
from pbengine.core.fairness.spec import FairnessSpec, RoundFacts
from pbengine.core.money import readable
from pbengine.core.outcome import Decision, Outcome
from pbengine.core.pools import Pool, allocate_in_pools, pool_election
from pbengine.core.rules import RuleOptions, allocate, declared_rule
from pbengine.core.rules.max_welfare import max_utilitarian_welfare
from pbengine.core.scoring import project_scores
from pbengine.core.tiebreak import DEFAULT, LISTED_ORDER


@dataclass(frozen=True)
class BoundCheck:
    key: str
    label: str
    floor: Fraction | None
    cap: Fraction | None
    spend: Fraction

    @property
    def shortfall(self) -> Fraction:
        return max(Fraction(0), (self.floor or Fraction(0)) - self.spend)

    @property
    def excess(self) -> Fraction:
        return Fraction(0) if self.cap is None else max(Fraction(0), self.spend - self.cap)

    @property
    def met(self) -> bool:
        return not self.shortfall and not self.excess


@dataclass(frozen=True)
class FairOutcome:
    outcome: Outcome
    resolved: Resolved
    checks: tuple[BoundCheck, ...]
    broken_sets: tuple[str, ...]
    """Exclusive or together sets the result breaks (none, for every rule here)."""
    enforcement: tuple[str, ...]
    """How the rule applied the constraints, for the record."""


def allocate_fairly(
    election: Election,
    spec: FairnessSpec,
    facts: RoundFacts = NO_FACTS,
    options: RuleOptions | None = None,
) -> FairOutcome:
    options = options or RuleOptions()
    rule = spec.rule or declared_rule(election)
    resolved = resolve(spec, election, facts)
    ineligible = dict(resolved.ineligible)
    if rule.startswith("greedy") and election.score_threshold is not None:
        scores = project_scores(election)
        for p in election.projects:
            if scores[p.id] < election.score_threshold:
                ineligible.setdefault(
                    p.id,
                    f"not funded: {readable(scores[p.id])} votes, under the threshold of "
                    f"{readable(election.score_threshold)}",
                )
    resolved = replace(resolved, ineligible=ineligible)
    weighted = (
        None if resolved.voter_weights is None else project_scores(election, resolved.voter_weights)
    )
    if resolved.outcome_pools:
        outcome, notes = _by_outcome_pools(election, rule, resolved, options)
    elif rule.startswith("greedy"):
        outcome, notes = _greedy(election, rule, _constraints(resolved, weighted), options)
    elif rule == "max-welfare":
        outcome, notes = _max_welfare(election, rule, _constraints(resolved, weighted), options)
    else:
        outcome, notes = _rerun(election, rule, resolved, options)
    costs = election.costs()
    checks = tuple(
        BoundCheck(b.key, b.label, b.floor, b.cap, b.spend(outcome.selected, costs))
        for b in resolved.bounds
    )
    notes += tuple(
        f"{c.label}: {readable(c.spend)} spent, {readable(c.shortfall)} short of its floor "
        f"of {readable(c.floor or Fraction(0))}"
        for c in checks
        if c.shortfall
    )
    outcome = replace(outcome, notes=outcome.notes + notes)
    broken = _broken_sets(outcome.selected, resolved)
    return FairOutcome(outcome, resolved, checks, broken, _how(rule, resolved))


def _constraints(resolved: Resolved, scores: Mapping[str, Fraction] | None) -> Constraints:
    return Constraints(
        scores=scores,
        ineligible=resolved.ineligible,
        bounds=resolved.bounds,
        exclusive=resolved.exclusive,
        together=resolved.together,
    )


def _greedy(
    election: Election, rule: str, constraints: Constraints, options: RuleOptions
) -> tuple[Outcome, tuple[str, ...]]:
    notes: tuple[str, ...] = ()
    if rule in ("greedy-no-skip", "greedy-reserve"):
        notes = (f"{rule} under fairness constraints skips what does not fit, like greedy",)
    outcome = constrained_greedy(
        election, constraints, rule=rule, tie_breaking=options.tie_breaking or LISTED_ORDER
    )
    return outcome, notes


def _max_welfare(
    election: Election, rule: str, constraints: Constraints, options: RuleOptions
) -> tuple[Outcome, tuple[str, ...]]:
    outcome = max_utilitarian_welfare(
        election, tie_breaking=options.tie_breaking or DEFAULT, rule=rule, constraints=constraints
    )
    return outcome, ()


def _rerun(
    election: Election, rule: str, resolved: Resolved, options: RuleOptions
) -> tuple[Outcome, tuple[str, ...]]:
    """Floors as sub-budgets first; a broken cap or set takes out its last project; run again."""
    excluded: dict[str, str] = dict(resolved.ineligible)
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
    for _ in range(len(election.projects) + 1):
        outcome = _floors_then_rest(election, rule, options, floors, excluded)
        culprit = _first_break(outcome.selected, election.costs(), resolved)
        if culprit is None:
            break
        pid, why = culprit
        excluded[pid] = why
        notes.append(f"ran again without project {pid}: {why.removeprefix('not funded: ')}")
    return outcome, tuple(notes)


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


def _by_outcome_pools(
    election: Election, rule: str, resolved: Resolved, options: RuleOptions
) -> tuple[Outcome, tuple[str, ...]]:
    pooled = set().union(*(p.projects for p in resolved.outcome_pools))
    eligible = [
        replace(pool, projects=pool.projects - set(resolved.ineligible))
        for pool in resolved.outcome_pools
    ]
    outcome = allocate_in_pools(election, eligible, lambda sub: allocate(sub, rule, options))
    decisions = []
    by_id = {d.project_id: d for d in outcome.decisions}
    for pid in election.project_ids:
        if pid in resolved.ineligible:
            decisions.append(Decision(pid, False, resolved.ineligible[pid]))
        elif pid not in pooled:
            decisions.append(Decision(pid, False, "not funded: it serves no outcome priority"))
        else:
            decisions.append(by_id[pid])
    notes: tuple[str, ...] = (
        "outcome shares: each outcome's projects compete for its share of the budget",
    )
    if resolved.bounds:
        notes += ("with outcome shares, spending floors and caps are checked, not enforced",)
    return replace(outcome, decisions=tuple(decisions)), notes


def _whole(bound: SpendBound) -> bool:
    return all(share == 1 for share in bound.shares.values())


def _first_break(
    selected: Sequence[str], costs: Mapping[str, Fraction], resolved: Resolved
) -> tuple[str, str] | None:
    """The project whose funding breaks a cap or a set, latest funded first; None if none."""
    for bound in resolved.bounds:
        if bound.cap is not None and bound.spend(selected, costs) > bound.cap:
            last = [p for p in selected if bound.shares.get(p)][-1]
            return last, (
                f"not funded: funding it took {bound.label} past its cap of {readable(bound.cap)}"
            )
    for group in resolved.exclusive:
        funded = [p for p in selected if p in group]
        if len(funded) > 1:
            return funded[-1], f"not funded: it excludes project {funded[0]}, funded before it"
    for group in resolved.together:
        funded = [p for p in selected if p in group]
        if funded and len(funded) < len(group):
            missing = sorted(group - set(funded))
            return funded[-1], (
                f"not funded: it must be funded together with {', '.join(missing)}, which were not"
            )
    return None


def _broken_sets(selected: Sequence[str], resolved: Resolved) -> tuple[str, ...]:
    chosen = set(selected)
    broken = [
        f"exclusive set {sorted(g)}: {len(g & chosen)} funded"
        for g in resolved.exclusive
        if len(g & chosen) > 1
    ]
    broken += [
        f"together set {sorted(g)}: only {sorted(g & chosen)} funded"
        for g in resolved.together
        if g & chosen and not g <= chosen
    ]
    return tuple(broken)


def _how(rule: str, resolved: Resolved) -> tuple[str, ...]:
    if resolved.outcome_pools:
        return ("outcome shares: one pool per outcome priority",)
    if rule == "max-welfare":
        return ("all constraints enforced exactly by CP-SAT",)
    if rule.startswith("greedy"):
        return ("floors funded first by score; caps, exclusive and together sets skip projects",)
    return (
        "floors over whole projects run first as sub-budgets; caps and sets re-run the rule "
        "without the project that broke them",
    )
