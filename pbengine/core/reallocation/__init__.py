"""Money released after the vote, reallocated by the rule the round declared before voting.

A funded project may be cancelled, or delivered for less than allocated; the
money this releases (see release.py for exactly how much) goes where the
round's reallocation rule, frozen with the rest of the round, says:

- `next-in-order`: to the projects the vote left unfunded, in the original
  result's order (by score, ties as the round breaks them), each funded if it
  fits in what is left (next_in_order.py);
- `rerun`: the round's own rule runs again on the projects the vote left
  unfunded, with the released money as its budget (rerun.py);
- `carry`: nothing is funded now; the money goes to the council's next round
  (carry.py).

Every project of the election is explained, as in any allocation: kept,
cancelled, funded now, or why not. The result depends only on the Release,
the two rule names and the options, never on dict or set order, so a replay
of the record reproduces it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pbengine.core.reallocation.carry import carry
from pbengine.core.reallocation.next_in_order import next_in_order, original_order
from pbengine.core.reallocation.release import Reallocation, ReallocationError, Release
from pbengine.core.reallocation.rerun import remaining_election, rerun
from pbengine.core.rules import RULES, RuleOptions, UnknownRuleError

__all__ = [
    "REALLOCATION_RULES",
    "SUMMARIES",
    "Reallocation",
    "ReallocationError",
    "Release",
    "original_order",
    "reallocate",
    "remaining_election",
]

_Apply = Callable[[Release, str, RuleOptions], Reallocation]

_BY_NAME: Mapping[str, tuple[str, _Apply]] = {
    "next-in-order": (
        "fund the projects the vote left unfunded, highest score first, each if it fits",
        next_in_order,
    ),
    "rerun": ("run the round's rule again on the unfunded projects with the money", rerun),
    "carry": ("fund nothing now; carry the money to the council's next round", carry),
}

REALLOCATION_RULES: tuple[str, ...] = tuple(_BY_NAME)
SUMMARIES: Mapping[str, str] = {name: summary for name, (summary, _) in _BY_NAME.items()}


def reallocate(
    release: Release, rule: str, round_rule: str, options: RuleOptions | None = None
) -> Reallocation:
    """Apply reallocation rule `rule` to the released money of a round run by `round_rule`
    (the rule name the round declared; `options` as it ran with)."""
    if rule not in _BY_NAME:
        raise ReallocationError(
            f"unknown reallocation rule {rule!r}; use one of {', '.join(REALLOCATION_RULES)}"
        )
    if round_rule not in RULES:
        raise UnknownRuleError(f"unknown rule {round_rule!r}; known rules: {', '.join(RULES)}")
    return _BY_NAME[rule][1](release, round_rule, options or RuleOptions())
