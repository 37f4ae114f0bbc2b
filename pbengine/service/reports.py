"""The results report: what was funded, why, and where the money went."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from pbengine.core.election import Election, Project
from pbengine.core.money import plain
from pbengine.core.outcome import Outcome
from pbengine.core.phases import Phase
from pbengine.core.scoring import project_scores
from pbengine.service.config import RoundConfig
from pbengine.service.replies import OutcomeVotes, ProjectResult, ResultsReport
from pbengine.store.tables import RoundRow

NONE = "(none)"


def results_report(
    row: RoundRow,
    config: RoundConfig,
    election: Election,
    outcome: Outcome,
    *,
    equalities: dict[str, Any],
    outcome_votes: list[list[str]],
) -> ResultsReport:
    costs = election.costs()
    scores = project_scores(election)
    funded = [p for p in election.projects if p.id in set(outcome.selected)]
    by_district, by_category, by_outcome = _spend(funded)
    assert row.id is not None
    return ResultsReport(
        round=row.id,
        title=row.title,
        phase=Phase(row.phase),
        currency=config.currency,
        rule=outcome.rule,
        budget=plain(outcome.budget),
        total_cost=plain(outcome.total_cost(costs)),
        ballots=len(election.ballots),
        selected=list(outcome.selected),
        notes=list(outcome.notes),
        projects=[
            ProjectResult(
                id=d.project_id,
                name=election.project(d.project_id).name,
                cost=plain(costs[d.project_id]),
                votes=plain(scores[d.project_id]),
                funded=d.funded,
                explanation=d.explanation,
            )
            for d in outcome.decisions
        ],
        spend_by_district=_plain(by_district),
        spend_by_category=_plain(by_category),
        spend_by_outcome={
            o.key: plain(by_outcome.get(o.key, Fraction(0))) for o in config.outcomes
        },
        outcome_votes=outcome_tally(config, outcome_votes),
        equalities=equalities,
    )


def _spend(
    funded: Sequence[Project],
) -> tuple[dict[str, Fraction], dict[str, Fraction], dict[str, Fraction]]:
    """Spend on the funded projects by district, by category and by outcome priority."""
    by_district: dict[str, Fraction] = defaultdict(Fraction)
    by_category: dict[str, Fraction] = defaultdict(Fraction)
    by_outcome: dict[str, Fraction] = defaultdict(Fraction)
    for p in funded:
        by_district[p.district or NONE] += p.cost
        for category in p.categories or (NONE,):
            by_category[category] += p.cost
        # A project serving two outcomes counts in full for each: "spend on projects serving it".
        for key in p.outcomes:
            by_outcome[key] += p.cost
    return by_district, by_category, by_outcome


def _plain(amounts: dict[str, Fraction]) -> dict[str, str]:
    return {k: plain(v) for k, v in sorted(amounts.items())}


def outcome_tally(config: RoundConfig, votes: list[list[str]]) -> list[OutcomeVotes]:
    """Residents' votes on the outcome priorities.

    `ballots` counts the ballots naming an outcome; on a ranking ballot,
    `borda` gives m-1 points to a first choice, m-2 to a second... (m outcomes).
    """
    m = len(config.outcomes)
    named: dict[str, int] = defaultdict(int)
    first: dict[str, int] = defaultdict(int)
    borda: dict[str, int] = defaultdict(int)
    for ranking in votes:
        for place, key in enumerate(ranking):
            named[key] += 1
            borda[key] += m - 1 - place
        if ranking:
            first[ranking[0]] += 1
    ranked = config.ballot.outcome_vote == "ranking"
    return [
        OutcomeVotes(
            key=o.key,
            title=o.title,
            ballots=named[o.key],
            first_choices=first[o.key] if ranked else None,
            borda=borda[o.key] if ranked else None,
        )
        for o in config.outcomes
    ]
