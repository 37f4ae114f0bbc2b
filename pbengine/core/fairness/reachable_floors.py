"""Pre-flight: floors that no vote could meet with the accepted projects, proven by CP-SAT.

Costs are known before the vote, supporters are not: so only floors known
before it are checked (floors in proportion to voters are left to the
allocation), and caps count only the projects that count in full towards
them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction
from math import lcm

from pbengine.core.election import Election, Project
from pbengine.core.fairness.problem import Problem
from pbengine.core.fairness.spec import FairnessSpec, RoundFacts
from pbengine.core.money import readable

FloorSpec = tuple[str, list[str], list[str], Fraction]


def unreachable_floors(spec: FairnessSpec, election: Election, facts: RoundFacts) -> list[Problem]:
    """Floors no vote could meet with the accepted projects, proven by CP-SAT."""
    budget = election.budget
    fundable = [p for p in election.projects if not p.withdrawn and p.cost <= budget]
    floors = _floors(spec, fundable, budget, facts)
    if not floors:
        return []
    infeasible = _infeasibility_proof(spec, election, fundable, floors)
    if not infeasible(floors):
        return []
    alone = [f for f in floors if infeasible([f])]
    if alone:
        return [
            Problem(
                key,
                f"no selection of the accepted projects can spend {readable(amount)} there "
                "within the budget, caps and sets, whatever the vote (proven by CP-SAT)",
                "lower this floor, or accept more projects that count towards it",
            )
            for key, _, _, amount in alone
        ]
    keys = ", ".join(key for key, _, _, _ in floors)
    return [
        Problem(
            "floors",
            f"the floors ({keys}) cannot all be met together within the budget, caps and sets, "
            "whatever the vote (proven by CP-SAT)",
            "lower some of these floors, or raise the budget",
        )
    ]


def _infeasibility_proof(
    spec: FairnessSpec,
    election: Election,
    fundable: Sequence[Project],
    floors: Sequence[FloorSpec],
) -> Callable[[Sequence[tuple[str, Iterable[str], Iterable[str], Fraction]]], bool]:
    """Whether CP-SAT proves that no selection of `fundable` meets the chosen floors within
    the budget, the caps and the sets, money scaled to integers exactly."""
    # Imported here, not at the top: OR-Tools costs half a second to import, and only a
    # round with floors needs it.
    from pbengine.core.rules.solvers.feasibility import (  # noqa: PLC0415
        Cap,
        Floor,
        FloorsProblem,
        Verdict,
    )

    budget = election.budget
    caps = _caps(spec, fundable, budget)
    scale = lcm(
        budget.denominator,
        *(p.cost.denominator for p in fundable),
        *(amount.denominator for _, _, _, amount in floors),
        *(amount.denominator for _, amount in caps),
    )
    ids = {p.id for p in fundable}

    def infeasible(chosen: Sequence[tuple[str, Iterable[str], Iterable[str], Fraction]]) -> bool:
        verdict = FloorsProblem(
            costs={p.id: int(p.cost * scale) for p in fundable},
            budget=int(budget * scale),
            floors=[Floor(list(w), list(s), _ceil(a * scale)) for _, w, s, a in chosen],
            caps=[Cap(members, int(a * scale)) for members, a in caps],
            at_most_one=[g & ids for g in (*spec.exclusive, *election.exclusive_sets)],
            together=[g & ids for g in spec.together],
        ).verdict()
        return verdict is Verdict.INFEASIBLE

    return infeasible


def _floors(
    spec: FairnessSpec, projects: Sequence[Project], budget: Fraction, facts: RoundFacts
) -> list[FloorSpec]:
    """(key, whole projects, city-wide projects, amount) for every floor known before the
    vote; floors in proportion to voters depend on turnout and are left to the allocation."""
    amounts: dict[str, tuple[str, Fraction]] = {}
    if spec.district_floor == "population" and facts.district_populations:
        total = sum(facts.district_populations.values())
        for district, people in facts.district_populations.items():
            if total:
                share = spec.district_floor_share * budget * Fraction(people, total)
                amounts[district] = ("districts.floor", share)
    for district, amount in spec.district_floors.items():
        amounts[district] = (f"districts.floors.{district}", amount.of(budget))
    city_wide = [p.id for p in projects if p.district is None]
    floors: list[FloorSpec] = [
        (key, [p.id for p in projects if p.district == d], city_wide, amount)
        for d, (key, amount) in amounts.items()
        if amount > 0
    ]
    floors += [
        (
            f"categories.floors.{name}",
            [p.id for p in projects if name in p.categories],
            [],
            amount.of(budget),
        )
        for name, amount in spec.category_floors.items()
        if amount.of(budget) > 0
    ]
    return floors


def _caps(
    spec: FairnessSpec, projects: Sequence[Project], budget: Fraction
) -> list[tuple[list[str], Fraction]]:
    """Caps over projects that count in full; a city-wide project's part is unknown before
    the vote and may be nothing, so it is left out (the optimistic case, as a proof needs)."""
    caps = [
        ([p.id for p in projects if p.district == d], a.of(budget))
        for d, a in spec.district_caps.items()
    ]
    caps += [
        ([p.id for p in projects if name in p.categories], a.of(budget))
        for name, a in spec.category_caps.items()
    ]
    if spec.proposer_cap is not None:
        by_proposer: dict[str, list[str]] = {}
        for p in projects:
            proposer = p.attributes.get("proposer", "").strip()
            if proposer:
                by_proposer.setdefault(proposer, []).append(p.id)
        caps += [(members, spec.proposer_cap.of(budget)) for members in by_proposer.values()]
    return caps


def _ceil(value: Fraction) -> int:
    return -(-value.numerator // value.denominator)
