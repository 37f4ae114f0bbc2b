"""A fixed random share of an election's voters: the samples bench/equal_shares.py times
and bench/mes_horizons.py dissects are the same ballots."""

from __future__ import annotations

import random
from dataclasses import replace

from pbengine.core.election import Election

SEED = 2022


def voter_sample(election: Election, share: int) -> Election:
    """The election with the first `share` percent of its ballots in a fixed shuffle."""
    if share >= 100:
        return election
    order = list(election.ballots)
    random.Random(SEED).shuffle(order)
    return replace(election, ballots=tuple(order[: len(order) * share // 100]))
