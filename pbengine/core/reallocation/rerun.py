"""rerun: run the round's own rule again on what the vote left unfunded, with the released money.

The election it runs on (`remaining_election`) is the round's election with:

- projects: those the vote did not fund, in the listed order; a cancelled
  project was funded by the vote, so it is never among them, and neither is
  a project whose alternative (exclusive set) stays funded;
- budget: the released money;
- ballots: every ballot, restricted to those projects (points kept with their
  project, order kept for ordinal ballots, whose L - k scores are then those
  of the shorter ballot). A ballot left empty stays: the released money
  belongs to every voter, as the budget did, so Equal Shares still shares it
  among all n voters (B'/n each), as its pure definition does; dropping them
  would hand the voters whose projects were not funded a larger share than
  the vote gave them;
- category caps (Amsterdam's `budget_per_category`), when declared: each cap
  less what the projects of that category still take (their actual cost when
  delivered cheaper, what was spent on them when cancelled), never below 0;
- everything else (vote type, threshold, the exclusive sets among the
  projects left, META) as declared, for the rule to apply as it did in the vote.

The rule runs with the round's options and its own tie-breaking. Its
explanation of each project is kept, after a prefix saying it is the re-run.
Only Poznań's reserve clause can spend more than the released money; what it
spends beyond it is reported as `from_reserves`, as the vote's run would.
District pools are not carved again: to reallocate within a pool, pass that
pool's election (pbengine.core.pools.pool_election) and outcome.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from pbengine.core.election import Ballot, Election
from pbengine.core.money import plain, readable
from pbengine.core.reallocation.release import (
    Reallocation,
    Release,
    excluded_by_kept,
    finish,
    frame_reasons,
)
from pbengine.core.rules import RuleOptions, allocate
from pbengine.core.rules.greedy import category_caps_from_meta

NAME = "rerun"


def remaining_election(release: Release) -> Election:
    election = release.election
    barred = excluded_by_kept(release)
    left = frozenset(pid for pid in release.unfunded if pid not in barred)
    return replace(
        election,
        budget=release.released,
        projects=tuple(p for p in election.projects if p.id in left),
        ballots=tuple(_restrict(ballot, left) for ballot in election.ballots),
        exclusive_sets=tuple(group & left for group in election.exclusive_sets if group & left),
        meta=_caps_left(release),
    )


def rerun(release: Release, round_rule: str, options: RuleOptions) -> Reallocation:
    reasons = frame_reasons(release)
    reasons.update(excluded_by_kept(release))
    sub = remaining_election(release)
    head = f"re-run of {round_rule} with the {readable(release.released)} released"
    if not sub.projects:
        return finish(
            release, NAME, round_rule, [], reasons, notes=(f"{head}: no project is left",)
        )
    outcome = allocate(sub, round_rule, options)
    for d in outcome.decisions:
        now = "funded now" if d.funded else "not funded now"
        reasons[d.project_id] = f"{now} ({head}): {d.explanation}"
    notes = (
        f"{head} over {len(sub.projects)} projects and {len(sub.ballots):,} ballots "
        "(ballots restricted to those projects; empty ones still count as voters)",
        *(f"{NAME}: {note}" for note in outcome.notes),
    )
    return finish(release, NAME, round_rule, list(outcome.selected), reasons, notes=notes)


def _restrict(ballot: Ballot, projects: frozenset[str]) -> Ballot:
    """The part of a ballot about these projects; an empty ballot when it names none."""
    keep = [i for i, p in enumerate(ballot.projects) if p in projects]
    points = None if ballot.points is None else tuple(ballot.points[i] for i in keep)
    return replace(ballot, projects=tuple(ballot.projects[i] for i in keep), points=points)


def _caps_left(release: Release) -> dict[str, str]:
    """META with every category cap less what that category's funded projects still take."""
    election = release.election
    meta = dict(election.meta)
    caps = category_caps_from_meta(meta)
    if not caps:
        return meta
    taken = dict.fromkeys(caps, Fraction(0))
    for pid in release.outcome.selected:
        for category in election.project(pid).categories:
            if category in taken:
                taken[category] += release.money_in(pid)
    meta["budget_per_category"] = ",".join(
        plain(max(cap - taken[name], Fraction(0))) for name, cap in caps.items()
    )
    return meta
