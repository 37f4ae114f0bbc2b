"""next-in-order: fund the projects the vote left unfunded, in the original result's order.

The original result's order is the order of the vote count the round's rule
ranks by: each project's score as pabulib defines it (approvals for approval
and choose-1 ballots, points for cumulative and scoring, L - k for ordinal;
pbengine.core.scoring), highest first, ties broken by the round's
tie-breaking (the options' tie-breaking, else the rule's own default: listed
order for the greedy family, cost,support,order for the others). For the
greedy family this is exactly the order the rule considered the projects in.
Rules that do not rank by count (Equal Shares, Phragmén, max-welfare) leave
no ranking of the projects they did not fund: an Outcome carries only the
funded order and a text per project. For them the order is computed from the
ballots with the same count greedy uses, the count residents see published
beside each project.

Projects are taken in that order; each is funded if it still fits in the
released money left, and skipped otherwise (greedy with skipping, without
stopping at a misfit and without any reserve clause). As in greedy, a
project nobody voted for, a withdrawn one, one whose alternative (an
exclusive set) stays funded or was funded now first, and, when the round's
rule applies the election's minimum score threshold, one under it, is never
funded. Category caps are not applied:
like the leftover pass of the rule that has them, this spends what is left.
"""

from __future__ import annotations

from fractions import Fraction

from pbengine.core.election import Election
from pbengine.core.money import readable
from pbengine.core.reallocation.release import (
    Reallocation,
    Release,
    excluded_by_kept,
    finish,
    frame_reasons,
)
from pbengine.core.rules import RuleOptions
from pbengine.core.rules.greedy import score_unit
from pbengine.core.scoring import project_scores
from pbengine.core.tiebreak import DEFAULT, LISTED_ORDER, TieBreaking

NAME = "next-in-order"

# The rules that set aside projects under the election's min_project_score_threshold.
THRESHOLD_RULES = ("greedy-threshold", "greedy-no-skip", "greedy-reserve")


def round_tie_breaking(round_rule: str, options: RuleOptions) -> TieBreaking:
    """The tie-breaking the round's rule runs with (rules.md: greedy rules default to order)."""
    if options.tie_breaking is not None:
        return options.tie_breaking
    return LISTED_ORDER if round_rule.startswith("greedy") else DEFAULT


def original_order(release: Release, round_rule: str, options: RuleOptions) -> list[str]:
    """The projects the vote did not fund, by score highest first, ties as the round breaks
    them."""
    election = release.election
    scores = project_scores(election)
    ranks = round_tie_breaking(round_rule, options).ranks(election)
    return sorted(release.unfunded, key=lambda pid: (-scores[pid], ranks[pid]))


def next_in_order(release: Release, round_rule: str, options: RuleOptions) -> Reallocation:
    election = release.election
    scores = project_scores(election)
    unit = score_unit(election.vote_type)
    order = original_order(release, round_rule, options)
    reasons = frame_reasons(release)
    barred = excluded_by_kept(release)
    threshold = election.score_threshold if round_rule in THRESHOLD_RULES else None
    left = release.released
    funded: list[str] = []
    for place, pid in enumerate(order, start=1):
        cost, score = election.project(pid).cost, scores[pid]
        standing = f"{readable(score)} {unit}, {_ordinal(place)} in line of {len(order)} not funded"
        why_not = (
            barred.get(pid)
            or _ineligible(election, pid, score, unit, threshold)
            or _rival_funded_now(election, pid, funded, standing)
        )
        if why_not is not None:
            reasons[pid] = why_not
        elif cost > left:
            reasons[pid] = (
                f"not funded: {readable(left)} of the released money left, costs "
                f"{readable(cost)} ({standing})"
            )
        else:
            reasons[pid] = (
                f"funded now: {standing}; costs {readable(cost)} of the "
                f"{readable(left)} released money left"
            )
            funded.append(pid)
            left -= cost
    note = (
        f"{NAME}: the projects the vote left unfunded, by {unit} highest first "
        f"(ties: {round_tie_breaking(round_rule, options)}), each funded if it fits"
    )
    return finish(release, NAME, round_rule, funded, reasons, notes=(note,))


def _ineligible(
    election: Election, pid: str, score: Fraction, unit: str, threshold: Fraction | None
) -> str | None:
    if election.project(pid).withdrawn:
        return "not funded: withdrawn (its cost is the placeholder 999,999,999)"
    if score <= 0:
        return f"not funded: no {unit}"
    if threshold is not None and score < threshold:
        return (
            f"not funded: {readable(score)} {unit} is under the threshold of {readable(threshold)}"
        )
    return None


def _rival_funded_now(election: Election, pid: str, funded: list[str], standing: str) -> str | None:
    for group in election.exclusive_sets:
        if pid in group:
            for other in funded:
                if other in group:
                    return f"not funded: it excludes project {other}, funded now first ({standing})"
    return None


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
