"""Allocation rules by name, as pabulib's META `rule` names them where it has a name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from pbengine.core.election import Election
from pbengine.core.outcome import Outcome
from pbengine.core.rules import greedy as _greedy
from pbengine.core.rules.equal_shares_completions import method_of_equal_shares
from pbengine.core.rules.max_welfare import max_utilitarian_welfare
from pbengine.core.rules.phragmen import sequential_phragmen
from pbengine.core.tiebreak import DEFAULT, LISTED_ORDER, TieBreaking

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


def _greedy_rule(
    name: str, summary: str, policy: Callable[[Election], _greedy.GreedyPolicy]
) -> Rule:
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
    # Amsterdam's files describe the leftover pass in words; its presence is what counts.
    leftover = bool(election.meta.get("leftover_budget", "").strip())
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


def _mes_rule(name: str, completion: str, summary: str) -> Rule:
    def run(election: Election, options: RuleOptions) -> Outcome:
        return method_of_equal_shares(
            election,
            completion=completion,
            utility=options.utility,
            tie_breaking=options.tie_breaking or DEFAULT,
            rule=name,
        )

    return Rule(name, summary, run)


_RULES += [
    _mes_rule("equalshares", "none", "Method of Equal Shares, every voter starting at B/n"),
    _mes_rule("equalshares/add1", "add1", "MES raised by one unit per voter while within budget"),
    _mes_rule(
        "equalshares/add1-comparison",
        "add1-comparison",
        "MES+add1, replaced by greedy only if strictly more voters prefer greedy",
    ),
    _mes_rule(
        "equalshares/add1-exhaustive",
        "add1-exhaustive",
        "MES raised by one unit until exhaustive (pabutools' voter_budget_increment=1)",
    ),
    _mes_rule(
        "equalshares/add1-greedy",
        "add1-greedy",
        "MES+add1, then greedy by approvals (equalshares.net tool's add1u)",
    ),
]

_RULES += [
    Rule(
        "max-welfare",
        "the affordable set with the most total support (CP-SAT, proven optimal)",
        lambda e, o: max_utilitarian_welfare(e, tie_breaking=o.tie_breaking or DEFAULT),
    ),
    Rule(
        "phragmen",
        "sequential Phragmén: spread each project's cost as evenly as possible as load",
        lambda e, o: sequential_phragmen(e, tie_breaking=o.tie_breaking or DEFAULT),
    ),
]

RULES: dict[str, Rule] = {rule.name: rule for rule in _RULES}


# Poznań's files describe their greedy-custom rule in the comment in these words.
_POZNAN_MARK = "at least 80% of that project"


def declared_rule(election: Election) -> str:
    """The rule to run for an election's declared META `rule`.

    pabulib's `greedy-custom` means "explained in the comment": Poznań's
    comment describes the 80% reserve rule, which runs as `greedy-reserve`.
    Raises UnknownRuleError, saying why, when the declared rule cannot be run.
    """
    declared = election.rule
    if declared == "greedy-custom":
        if _POZNAN_MARK in election.meta.get("comment", ""):
            return "greedy-reserve"
        raise UnknownRuleError("greedy-custom whose comment does not describe a rule we can run")
    if declared not in RULES:
        raise UnknownRuleError(
            f"declared rule {declared or '(none)'!r} is not deterministic or not known"
        )
    return declared


def allocate(
    election: Election, rule: str | None = None, options: RuleOptions | None = None
) -> Outcome:
    """Run `rule`, or by default the rule the election declares."""
    name = rule or declared_rule(election)
    if name not in RULES:
        known = ", ".join(sorted(RULES))
        raise UnknownRuleError(f"unknown rule {name!r}; known rules: {known}")
    return RULES[name].run(election, options or RuleOptions())
