"""Check a rule against what a city actually funded (the `selected` column).

A file is *skipped* when its declared rule is not one we can run
deterministically (see `declared_rule`), or when it has no `selected` column.

What the city funded *by the rule* is `selected` 1. The value 2 means
different things in different cities: in Poznań it is the rule's own reserve
clause (so it counts there), in Gdynia a turnout award paid from city funds
outside the vote ("Projekt +1"). `selected` 3 marks projects funded later from
other money. Those are outside the rule and not counted.

Three Gdynia files here have a 2; the award is explained in the comments of
two of them (2023 Babie Doły, 2025 Wielki Kack). Gdynia 2020 Chwarzno-Wiczlino
(small) has no comment, so reading its 2 as the award is a judgement call:
it is project 9, the very project the no-skip rule stops at, with 9,705 of
its 10,000 left (97%), which a reserve clause like Poznań's would explain too.

Only `selected` is read, and only here: rules score projects from the
ballots, never from the `votes`, `score` or `selected` columns.
tests/real/test_verify_honesty.py strips the three from every file verify
runs and checks that no outcome moves.
"""

from __future__ import annotations

from dataclasses import dataclass

from pbengine.core.election import Election
from pbengine.core.rules import RuleOptions, UnknownRuleError, allocate, declared_rule


@dataclass(frozen=True)
class Verdict:
    status: str  # matched | differ | skipped
    rule: str | None
    reason: str = ""
    missing: tuple[str, ...] = ()
    """Funded by the city, not by us."""
    extra: tuple[str, ...] = ()
    """Funded by us, not by the city."""


def city_funded(election: Election, rule: str) -> set[str] | None:
    if not any("selected" in p.attributes for p in election.projects):
        return None
    marks = {"1", "2"} if rule == "greedy-reserve" else {"1"}
    return {p.id for p in election.projects if p.attributes.get("selected", "").strip() in marks}


def verify(election: Election, options: RuleOptions | None = None) -> Verdict:
    try:
        rule = declared_rule(election)
    except UnknownRuleError as exc:
        return Verdict("skipped", None, str(exc))
    funded = city_funded(election, rule)
    if funded is None:
        return Verdict("skipped", rule, "no selected column")
    ours = set(allocate(election, rule, options or RuleOptions()).selected)
    if ours == funded:
        return Verdict("matched", rule)
    return Verdict(
        "differ",
        rule,
        "outcome differs",
        missing=tuple(sorted(funded - ours)),
        extra=tuple(sorted(ours - funded)),
    )
