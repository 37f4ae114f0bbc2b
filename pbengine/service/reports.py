"""The results report: what was funded, why, and where the money went."""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from typing import Any

from pbengine.core.election import Election
from pbengine.core.money import plain
from pbengine.core.outcome import Outcome
from pbengine.core.scoring import project_scores
from pbengine.service.config import RoundConfig
from pbengine.store.tables import RoundRow

NONE = "(none)"


def results_report(
    row: RoundRow,
    config: RoundConfig,
    election: Election,
    outcome: Outcome,
    outcome_votes: list[list[str]],
) -> dict[str, Any]:
    costs = election.costs()
    scores = project_scores(election)
    funded = [p for p in election.projects if p.id in set(outcome.selected)]
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
    return {
        "round": row.id,
        "title": row.title,
        "phase": row.phase,
        "currency": config.currency,
        "rule": outcome.rule,
        "budget": plain(outcome.budget),
        "total_cost": plain(outcome.total_cost(costs)),
        "ballots": len(election.ballots),
        "selected": list(outcome.selected),
        "notes": list(outcome.notes),
        "projects": [
            {
                "id": d.project_id,
                "name": election.project(d.project_id).name,
                "cost": plain(costs[d.project_id]),
                "votes": plain(scores[d.project_id]),
                "funded": d.funded,
                "explanation": d.explanation,
            }
            for d in outcome.decisions
        ],
        "spend_by_district": {k: plain(v) for k, v in sorted(by_district.items())},
        "spend_by_category": {k: plain(v) for k, v in sorted(by_category.items())},
        "spend_by_outcome": {
            o.key: plain(by_outcome.get(o.key, Fraction(0))) for o in config.outcomes
        },
        "outcome_votes": outcome_tally(config, outcome_votes),
    }


def outcome_tally(config: RoundConfig, votes: list[list[str]]) -> list[dict[str, Any]]:
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
        {
            "key": o.key,
            "title": o.title,
            "ballots": named[o.key],
            "first_choices": first[o.key] if ranked else None,
            "borda": borda[o.key] if ranked else None,
        }
        for o in config.outcomes
    ]
