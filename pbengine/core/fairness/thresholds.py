"""Support thresholds: projects too few voters named may not be funded, nor their bundles."""

from __future__ import annotations

from fractions import Fraction

from pbengine.core.election import Election
from pbengine.core.fairness.spec import FairnessSpec
from pbengine.core.money import readable
from pbengine.core.scoring import supporter_counts


def under_threshold(spec: FairnessSpec, election: Election) -> dict[str, str]:
    """Projects named by fewer voters than the threshold asks, whatever the ballot type.

    A threshold is on people: `min_share` is a share of the voters, and
    `min_votes` counts voters too, as pabulib's `votes` column does (the
    supporters), not points (its `score`).
    """
    if spec.min_votes is None and spec.min_voter_share is None:
        return {}
    supporters = supporter_counts(election)
    voters = len(election.ballots)
    by_votes = spec.min_votes or Fraction(0)
    by_share = (spec.min_voter_share or Fraction(0)) * voters
    needed = max(by_votes, by_share)
    threshold = f"{readable(needed)} {_supporters(needed)}"
    if spec.min_voter_share is not None and by_share >= by_votes:
        share = f"{float(spec.min_voter_share * 100):g}%"
        threshold += f" ({share} of {voters:,} voters)"
    return {
        p.id: (
            f"not funded: {supporters[p.id]:,} {_supporters(Fraction(supporters[p.id]))}, "
            f"under the support threshold of {threshold}"
        )
        for p in election.projects
        if supporters[p.id] < needed
    }


def _supporters(count: Fraction) -> str:
    return "supporter" if count == 1 else "supporters"


def whole_bundles(
    ineligible: dict[str, str], together: tuple[frozenset[str], ...]
) -> dict[str, str]:
    """A project that may not be funded takes its bundle with it."""
    out = dict(ineligible)
    for bundle in together:
        ruled_out = sorted(m for m in bundle if m in ineligible)
        if ruled_out:
            for member in sorted(bundle - ineligible.keys()):
                out[member] = (
                    f"not funded: it must be funded together with project {ruled_out[0]}, "
                    "which is under the support threshold"
                )
    return out
