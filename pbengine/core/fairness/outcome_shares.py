"""Outcome shares: residents' outcome-priority votes split the budget into one pool each."""

from __future__ import annotations

from fractions import Fraction

from pbengine.core.election import Election
from pbengine.core.fairness.errors import FairnessError
from pbengine.core.fairness.spec import FairnessSpec, RoundFacts
from pbengine.core.pools import Pool


def outcome_pools(spec: FairnessSpec, election: Election, facts: RoundFacts) -> tuple[Pool, ...]:
    """Each outcome's share of the budget; a project competes in its first outcome's pool."""
    shares = spec.outcome_shares
    if shares is None:
        return ()
    keys = facts.outcome_keys
    if not keys:
        raise FairnessError("outcome_shares", "the round has no outcome priorities")
    if shares.floor * len(keys) > 1:
        raise FairnessError(
            "outcome_shares.floor",
            f"{len(keys)} outcomes with a floor of {float(shares.floor):.0%} each ask for more "
            "than the whole budget",
        )
    votes: dict[str, Fraction] = dict.fromkeys(keys, Fraction(0))
    for ranking in facts.outcome_votes:
        for place, key in enumerate(ranking):
            if key in votes:
                votes[key] += Fraction(len(keys) - 1 - place) if shares.by == "borda" else 1
    total = sum(votes.values())
    rest = 1 - shares.floor * len(keys)
    pools = []
    for key in keys:
        part = votes[key] / total if total else Fraction(1, len(keys))
        members = frozenset(p.id for p in election.projects if p.outcomes[:1] == (key,))
        pools.append(
            Pool(f"outcome {key}", election.budget * (shares.floor + rest * part), members)
        )
    return tuple(pools)
