"""Turnout reweighting: a group's ballots count as much as its share of the population."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

from pbengine.core.election import Ballot, Election
from pbengine.core.fairness.errors import FairnessError
from pbengine.core.fairness.spec import FairnessSpec, RoundFacts


def turnout_weights(
    spec: FairnessSpec, election: Election, facts: RoundFacts
) -> tuple[dict[str, Fraction] | None, dict[str, Fraction]]:
    """Each group's ballots weigh (population share) / (turnout share); others weigh 1."""
    if spec.reweight_by is None:
        return None, {}
    population = spec.reweight_population
    if population is None:
        population = {d: Fraction(n) for d, n in facts.district_populations.items()}
    if not population or not sum(population.values()):
        raise FairnessError("reweighting.population", "no population to reweight towards")

    def group(ballot: Ballot) -> str | None:
        return ballot.attributes.get(spec.reweight_by or "") or None

    turnout = Counter(g for b in election.ballots if (g := group(b)) in population)
    counted = sum(turnout.values())
    total = sum(population.values())
    group_weights = {
        g: (population[g] / total) / Fraction(turnout[g], counted)
        for g in sorted(population)
        if turnout[g]
    }
    weights = {b.voter_id: group_weights.get(group(b) or "", Fraction(1)) for b in election.ballots}
    return weights, group_weights
