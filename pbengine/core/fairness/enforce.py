"""Run a rule under fairness constraints, and check every constraint on the result.

The rule stays the rule: a spec that asks for nothing runs the plain rule,
and the election's own rules (a greedy file's category caps, leftover pass,
threshold or exclusive sets) apply with constraints as without. How each rule
honours the constraints:

- max-welfare: all of them, exactly, in the CP-SAT model (floors fall short
  only when no affordable set meets them, by the least total possible);
- the greedy family: floors first, then greedy skipping whatever would pass
  a cap or break an exclusive or together set (core/fairness/greedy_fair.py);
- equal shares and Phragmén: a floor over whole projects becomes a
  sub-budget its projects compete for first; the rule then runs on the rest
  of the budget. A run whose result breaks a cap or a set is followed by a
  re-run without every project that broke one (see `_culprits`), until a run
  breaks none. Turnout weights are not applied by these rules, and the result
  says so;
- outcome shares: one pool per outcome; caps and sets re-run the pools the
  same way; other floors are checked, not enforced.

Exclusive and together sets therefore hold for every rule: greedy and CP-SAT
never break one, and a re-run ends only when nothing is broken (each re-run
takes out at least one project, so there are at most as many as projects).
`broken_sets` checks this on the result all the same. Every bound is checked
on the result too: a floor not met is named with its shortfall, never passed
over in silence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from pbengine.core.election import Election
from pbengine.core.fairness.bounds import Constraints, SpendBound
from pbengine.core.fairness.greedy_fair import constrained_greedy, own_policy
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
    """Exclusive or together sets the result breaks: checked, and empty for every rule here."""
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
    if not spec.constrained:
        # Nothing asked: the rule exactly as it runs alone, so nothing is credited to the rules.
        return FairOutcome(allocate(election, rule, options), resolved, (), (), ())
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
    outcome = replace(outcome, notes=outcome.notes + resolved.notes + notes)
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
    policy = own_policy(rule, election)
    notes: tuple[str, ...] = ()
    if policy.stop_at_first_misfit:
        notes = (
            f"{rule} under fairness constraints stops only at a project that does not fit the "
            "money left; one that a cap or a set rules out is skipped",
        )
    outcome = constrained_greedy(
        election,
        constraints,
        rule=rule,
        tie_breaking=options.tie_breaking or LISTED_ORDER,
        policy=policy,
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
        culprits = _culprits(outcome.selected, costs, resolved)
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


def _by_outcome_pools(
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


def _culprits(
    selected: Sequence[str], costs: Mapping[str, Fraction], resolved: Resolved
) -> dict[str, str]:
    """Every project whose funding broke a cap or a set, in the order the rule funded them.

    Of an exclusive set, the first funded stays. A cap keeps what the rule
    funded while it fits, in that order, and takes out each project that
    would pass it. A bundle partly funded, or split by a cap, goes whole,
    its unfunded members too: they can never be funded without the others.
    Exclusive sets come first, so that a project taken out as a rival does
    not also count against a cap.
    """
    out: dict[str, str] = {}

    def kept() -> list[str]:
        return [p for p in selected if p not in out]

    for group in resolved.exclusive:
        funded = [p for p in kept() if p in group]
        for pid in funded[1:]:
            out[pid] = f"not funded: it excludes project {funded[0]}, funded before it"

    def split_bundles() -> None:
        still = kept()
        for bundle in resolved.together:
            funded = [p for p in still if p in bundle]
            if funded and len(funded) < len(bundle):
                missing = sorted(bundle - set(funded))
                names = ", ".join(missing)
                # The unfunded members go too: without their partners they can never be funded.
                for pid in sorted(bundle - out.keys(), key=_funded_first(selected)):
                    out[pid] = (
                        f"not funded: it must be funded together with {names}, which the "
                        "rule did not fund alongside it"
                        if pid in funded
                        else f"not funded: it must be funded together with {', '.join(funded)}, "
                        "which could not be"
                    )

    split_bundles()
    for bound in resolved.bounds:
        if bound.cap is None:
            continue
        spent = Fraction(0)
        for pid in kept():
            share = bound.shares.get(pid)
            if not share:
                continue
            if spent + costs[pid] * share > bound.cap:
                out[pid] = (
                    f"not funded: funding it took {bound.label} past its cap of "
                    f"{readable(bound.cap)}"
                )
            else:
                spent += costs[pid] * share
    split_bundles()
    return out


def _funded_first(selected: Sequence[str]) -> Callable[[str], tuple[int, str]]:
    position = {pid: i for i, pid in enumerate(selected)}
    return lambda pid: (position.get(pid, len(position)), pid)


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
        return (
            "outcome shares: one pool per outcome priority; caps and sets re-run the pools "
            "without every project that broke one",
        )
    if rule == "max-welfare":
        return ("all constraints enforced exactly by CP-SAT",)
    if rule.startswith("greedy"):
        return ("floors funded first by score; caps, exclusive and together sets skip projects",)
    return (
        "floors over whole projects run first as sub-budgets; caps and sets re-run the rule "
        "without every project that broke one",
    )
