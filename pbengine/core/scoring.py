"""Project scores as pabulib defines them for each vote type.

- approval, choose-1: the number of ballots that name the project;
- cumulative, scoring: the sum of the points it received;
- ordinal: a ballot of length L gives L - k points to the project it ranks at
  0-based position k. This reproduces every ordinal file in pabulib; scoring by
  `max_length - k`, or pabutools' Borda (L - k - 1), does not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from fractions import Fraction

from pbengine.core.election import Ballot, Election, VoteType


def ballot_scores(ballot: Ballot, vote_type: VoteType) -> dict[str, Fraction]:
    if vote_type.has_points:
        points = ballot.points or (Fraction(1),) * len(ballot.projects)
        scores: dict[str, Fraction] = {}
        for project_id, value in zip(ballot.projects, points, strict=True):
            scores[project_id] = scores.get(project_id, Fraction(0)) + value
        return scores
    if vote_type is VoteType.ORDINAL:
        length = len(ballot.projects)
        return {pid: Fraction(length - k) for k, pid in enumerate(ballot.projects)}
    return {pid: Fraction(1) for pid in ballot.projects}


def project_scores(
    election: Election, weights: Mapping[str, Fraction] | None = None
) -> dict[str, Fraction]:
    """Score of every project (zero for a project nobody voted for).

    `weights` (by voter id; 1 for a voter not listed) scales each ballot, as
    turnout reweighting does.
    """
    totals: dict[str, Fraction] = {p.id: Fraction(0) for p in election.projects}
    if weights is not None:
        for ballot in election.ballots:
            weight = weights.get(ballot.voter_id, Fraction(1))
            for pid, value in ballot_scores(ballot, election.vote_type).items():
                if pid in totals:
                    totals[pid] += weight * value
        return totals
    if election.vote_type in (VoteType.APPROVAL, VoteType.CHOOSE_1):
        counts = _named_by(election)
        for pid, count in counts.items():
            if pid in totals:
                totals[pid] = Fraction(count)
        return totals
    for ballot in election.ballots:
        for pid, value in ballot_scores(ballot, election.vote_type).items():
            if pid in totals:
                totals[pid] += value
    return totals


def supporter_counts(election: Election) -> dict[str, int]:
    """How many ballots name each project, whatever the vote type."""
    counts = _named_by(election)
    return {p.id: counts.get(p.id, 0) for p in election.projects}


def _named_by(election: Election) -> Counter[str]:
    """How many ballots name each project (once per ballot, even if listed twice)."""
    counts: Counter[str] = Counter()
    for projects, ballots in election.ballot_lists.items():
        for pid in set(projects):
            counts[pid] += ballots
    return counts
