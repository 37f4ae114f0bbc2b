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
  re-run without every project that broke one (see culprits.py), until a run
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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from pbengine.core.election import Election
from pbengine.core.fairness.bounds import Constraints
from pbengine.core.fairness.greedy_fair import constrained_greedy, own_policy
from pbengine.core.fairness.rerun import by_outcome_pools, rerun
from pbengine.core.fairness.resolve import NO_FACTS, Resolved, resolve
from pbengine.core.fairness.spec import FairnessSpec, RoundFacts
from pbengine.core.money import readable
from pbengine.core.outcome import Outcome
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
        outcome, notes = by_outcome_pools(election, rule, resolved, options)
    elif rule.startswith("greedy"):
        outcome, notes = _greedy(election, rule, _constraints(resolved, weighted), options)
    elif rule == "max-welfare":
        outcome, notes = _max_welfare(election, rule, _constraints(resolved, weighted), options)
    else:
        outcome, notes = rerun(election, rule, resolved, options)
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
