"""Pre-flight: data a fairness rule needs and the round does not have.

Each check returns the problems it finds, in the order a council reads them,
and adds what only the ballots can settle to `warnings`.
"""

from __future__ import annotations

from pbengine.core.election import Election
from pbengine.core.fairness.problem import Declared, Problem, listed
from pbengine.core.fairness.spec import FairnessSpec, RoundFacts


def missing_data(
    spec: FairnessSpec,
    election: Election,
    facts: RoundFacts,
    declared: Declared,
    warnings: list[str],
) -> list[Problem]:
    problems = _missing_populations(spec, facts, declared)
    problems += _voters_without_districts(spec, declared, warnings)
    if spec.reweight_by:
        warnings.append(
            f"turnout reweighting groups voters by their {spec.reweight_by!r} attribute: issue "
            "voter codes with it"
        )
    problems += _without_outcome_priorities(spec, election, facts)
    return problems


def _missing_populations(
    spec: FairnessSpec, facts: RoundFacts, declared: Declared
) -> list[Problem]:
    problems = []
    populated = set(facts.district_populations)
    needs_population = [
        key
        for key, needed in (
            ("districts.floor", spec.district_floor == "population"),
            ("reweighting.population", spec.reweight_by and spec.reweight_population is None),
        )
        if needed
    ]
    for key in needs_population:
        missing = [d for d in declared.districts if d not in populated]
        if not declared.districts:
            problems.append(
                Problem(
                    key,
                    "it needs district populations, and the round declares no districts",
                    "add the districts, each with its population, to the round's configuration",
                )
            )
        elif missing:
            problems.append(
                Problem(
                    key,
                    f"it needs every district's population; missing for {', '.join(missing)}",
                    "give each district its population in the round's configuration",
                )
            )
    return problems


def _voters_without_districts(
    spec: FairnessSpec, declared: Declared, warnings: list[str]
) -> list[Problem]:
    if spec.district_floor != "voters":
        return []
    problems = []
    if not declared.districts:
        problems.append(
            Problem(
                "districts.floor",
                "floors in proportion to voters need districts, and the round declares none",
                "add the districts to the round's configuration",
            )
        )
    warnings.append(
        "district floors follow turnout: issue voter codes with attributes.district, or "
        "no district's voters can be counted"
    )
    return problems


def _without_outcome_priorities(
    spec: FairnessSpec, election: Election, facts: RoundFacts
) -> list[Problem]:
    if spec.outcome_shares is None:
        return []
    problems = []
    if not facts.outcome_keys:
        problems.append(
            Problem(
                "outcome_shares",
                "outcome shares split the budget by outcome priority, and the round has none",
                "add outcome priorities to the round",
            )
        )
    serving_none = [p.id for p in election.projects if not p.outcomes]
    if serving_none:
        problems.append(
            Problem(
                "outcome_shares",
                f"projects {listed(serving_none)} serve no outcome priority, so under outcome "
                "shares they could never be funded",
                "have each accepted project serve an outcome priority, or drop outcome shares",
            )
        )
    return problems
