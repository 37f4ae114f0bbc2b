"""The equalities report: whom a result serves, where its money goes, what the rules changed.

Amounts are rounded to cents and shares to four decimals, exactly (from
fractions, never floats), so the report is the same on every machine. Spending in a district
counts city-wide projects by their supporters there (see districts.py).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from pbengine.core.election import Election
from pbengine.core.fairness.districts import district_shares, voter_district
from pbengine.core.fairness.enforce import FairOutcome, allocate_fairly
from pbengine.core.fairness.resolve import NO_FACTS
from pbengine.core.fairness.spec import FairnessSpec, RoundFacts
from pbengine.core.money import plain, rounded
from pbengine.core.outcome import Outcome
from pbengine.core.proportionality.ejr import ejr_up_to_one
from pbengine.core.proportionality.priceability import check_priceable
from pbengine.core.rules import RuleOptions, allocate


def equalities(
    election: Election,
    fair: FairOutcome,
    baseline: Outcome,
    facts: RoundFacts,
    utility: str = "cost",
    *,
    by_kind: Mapping[str, Outcome] | None = None,
) -> dict[str, Any]:
    """`by_kind`: the outcome under each kind of rule alone, for the effect of each."""
    outcome = fair.outcome
    funded = set(outcome.selected)
    costs = election.costs()
    report: dict[str, Any] = {
        "voters": len(election.ballots),
        "coverage": _coverage(election, funded),
        "spend_by_district": _by_district(election, funded, facts),
        "spend_by_category": _by_label(
            {p.id: p.categories for p in election.projects}, funded, costs
        ),
        "spend_by_outcome": _by_label({p.id: p.outcomes for p in election.projects}, funded, costs),
        "constraints": [
            {
                "key": c.key,
                "label": c.label,
                "floor": _amount(c.floor),
                "cap": _amount(c.cap),
                "spend": _money(c.spend),
                "met": c.met,
                "shortfall": _money(c.shortfall),
            }
            for c in fair.checks
        ],
        "broken_sets": list(fair.broken_sets),
        "enforcement": list(fair.enforcement),
        "turnout_weights": {g: plain(w) for g, w in fair.resolved.group_weights.items()},
        "effect": {
            "compared_with": f"{baseline.rule} without the fairness rules",
            **_effect(outcome, baseline),
            "by_kind": {kind: _effect(o, baseline) for kind, o in (by_kind or {}).items()},
        },
        "proportionality": _proportionality(election, outcome, utility),
    }
    return report


def _effect(outcome: Outcome, baseline: Outcome) -> dict[str, list[str]]:
    funded, before = set(outcome.selected), set(baseline.selected)
    return {
        "brought_in": [p for p in outcome.selected if p not in before],
        "pushed_out": [p for p in baseline.selected if p not in funded],
    }


def _coverage(election: Election, funded: set[str]) -> dict[str, Any]:
    """Share of voters with at least one funded project on their ballot."""
    served: Counter[str] = Counter()
    voters: Counter[str] = Counter()
    for ballot in election.ballots:
        home = voter_district(ballot) or "(unknown)"
        voters[home] += 1
        if funded & set(ballot.projects):
            served[home] += 1
    total = sum(voters.values())
    return {
        "overall": _share(Fraction(sum(served.values()), total)) if total else None,
        "by_district": {d: _share(Fraction(served[d], n)) for d, n in sorted(voters.items())}
        if len(voters) > 1 or "(unknown)" not in voters
        else {},
    }


def _by_district(
    election: Election, funded: set[str], facts: RoundFacts
) -> dict[str, dict[str, str | None]]:
    names = {p.district for p in election.projects if p.district}
    names |= {d for b in election.ballots if (d := voter_district(b))}
    names |= set(facts.district_populations)
    if not names:
        return {}
    shares = district_shares(election, names)
    costs = election.costs()
    spent = sum((costs[p] for p in funded), Fraction(0))
    voters = Counter(voter_district(b) for b in election.ballots)
    population = sum(facts.district_populations.values())
    out: dict[str, dict[str, str | None]] = {}
    for d in sorted(names):
        spend = sum((costs[p] * s for p, s in shares[d].items() if p in funded), Fraction(0))
        out[d] = {
            "spend": _money(spend),
            "share_of_spend": _share(spend / spent) if spent else None,
            "share_of_voters": _share(Fraction(voters[d], len(election.ballots)))
            if election.ballots
            else None,
            "share_of_population": _share(Fraction(facts.district_populations[d], population))
            if d in facts.district_populations and population
            else None,
        }
    return out


def _by_label(
    labels: Mapping[str, tuple[str, ...]], funded: set[str], costs: Mapping[str, Fraction]
) -> dict[str, str]:
    """Spend on projects carrying each label (a project with two counts in full for each)."""
    spend: dict[str, Fraction] = defaultdict(Fraction)
    for pid, names in labels.items():
        for name in names:
            spend[name] += costs[pid] if pid in funded else 0
    return {name: _money(v) for name, v in sorted(spend.items())}


def _proportionality(election: Election, outcome: Outcome, utility: str) -> dict[str, Any]:
    """Checked on the result, whatever the rule: a property is never claimed by construction."""
    priceable = check_priceable(election, outcome)
    ejr = ejr_up_to_one(election, outcome.selected, utility)
    witness = ejr.violation
    return {
        "priceable": {"holds": priceable.holds, "why": priceable.why},
        "ejr_up_to_one": {
            "holds": ejr.holds,
            "why": ejr.why,
            "utility": utility,
            "violation": None
            if witness is None
            else {"projects": list(witness.projects), "voters": witness.group},
        },
    }


def _amount(value: Fraction | None) -> str | None:
    return None if value is None else _money(value)


def _money(value: Fraction) -> str:
    return rounded(value, 2)


def _share(value: Fraction) -> str:
    return rounded(value, 4)


def allocate_and_report(
    election: Election,
    spec: FairnessSpec,
    facts: RoundFacts = NO_FACTS,
    options: RuleOptions | None = None,
) -> tuple[FairOutcome, dict[str, Any]]:
    """Run the rule under the constraints, and again without them to show what they changed.

    With more than one kind of rule declared (floors, caps, thresholds, sets,
    reweighting, outcome shares), each kind also runs alone: a council asks
    which of its rules brought a project in or pushed one out, and the
    difference of the whole cannot say. That is one more run of the rule per
    kind; with one kind, its effect is the whole one and nothing more runs.
    """
    fair = allocate_fairly(election, spec, facts, options)
    baseline = allocate(election, fair.outcome.rule, options) if spec.constrained else fair.outcome
    kinds = spec.by_kind()
    by_kind = {
        kind: fair.outcome
        if len(kinds) == 1
        else allocate_fairly(election, alone, facts, options).outcome
        for kind, alone in kinds.items()
    }
    utility = (options or RuleOptions()).utility
    return fair, equalities(election, fair, baseline, facts, utility, by_kind=by_kind)
