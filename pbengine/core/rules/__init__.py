"""Allocation rules by name, as pabulib's META `rule` names them where it has a name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from pbengine.core.election import Election
from pbengine.core.outcome import Outcome
from pbengine.core.rules import greedy as _greedy
from pbengine.core.tiebreak import LISTED_ORDER, TieBreaking

POZNAN_RESERVE_SHARE = Fraction(4, 5)


class UnknownRuleError(ValueError):
    pass


@dataclass(frozen=True)
class RuleOptions:
    tie_breaking: TieBreaking | None = None
    """None: the rule's own documented default."""
    utility: str = "cost"
    """For the Method of Equal Shares: 'cost' (as deployed) or 'cardinality'."""


@dataclass(frozen=True)
class Rule:
    name: str
    summary: str
    run: Callable[[Election, RuleOptions], Outcome]


def _greedy_rule(name: str, summary: str, policy: Callable[[Election], _greedy.GreedyPolicy]) -> Rule:
    def run(election: Election, options: RuleOptions) -> Outcome:
        return _greedy.greedy(
            election,
            policy(election),
            rule=name,
            tie_breaking=options.tie_breaking or LISTED_ORDER,
        )

    return Rule(name, summary, run)


def _caps(election: Election) -> _greedy.GreedyPolicy:
    caps = _greedy.category_caps_from_meta(election.meta)
    leftover = "leftover" in election.meta.get("leftover_budget", "").lower() or bool(
        election.meta.get("leftover_budget")
    )
    return _greedy.GreedyPolicy(category_caps=caps, leftover_pass=leftover)


_RULES: list[Rule] = [
    _greedy_rule("greedy", "fund by score, skipping what no longer fits", _caps),
    _greedy_rule(
        "greedy-threshold",
        "greedy over projects scoring at least min_project_score_threshold",
        lambda e: _greedy.GreedyPolicy(threshold=e.score_threshold),
    ),
    _greedy_rule(
        "greedy-no-skip",
        "fund by score; stop at the first project that does not fit",
        lambda e: _greedy.GreedyPolicy(threshold=e.score_threshold, stop_at_first_misfit=True),
    ),
    _greedy_rule(
        "greedy-exclusive",
        "greedy; of mutually exclusive projects only the first considered can win",
        lambda e: _greedy.GreedyPolicy(exclusive_sets=e.exclusive_sets),
    ),
    _greedy_rule(
        "greedy-reserve",
        "Poznań's greedy-custom: no-skip, then the next project too if 80% of it is left",
        lambda e: _greedy.GreedyPolicy(
            threshold=e.score_threshold,
            stop_at_first_misfit=True,
            reserve_share=POZNAN_RESERVE_SHARE,
        ),
    ),
]

RULES: dict[str, Rule] = {rule.name: rule for rule in _RULES}


def allocate(election: Election, rule: str | None = None, options: RuleOptions = RuleOptions()) -> Outcome:
    name = rule or election.rule
    if name not in RULES:
        known = ", ".join(sorted(RULES))
        raise UnknownRuleError(f"unknown rule {name!r}; known rules: {known}")
    return RULES[name].run(election, options)
