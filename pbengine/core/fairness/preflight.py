"""Before voting opens: can this round's fairness rules work on its accepted projects?

Residents vote under rules that cannot change afterwards, so every problem
that would surface only at allocation must surface here instead, while the
council can still fix it: names that match nothing, data a constraint needs
and does not have, a guarantee the chosen rule cannot enforce, and floors
that no vote could meet (proven by CP-SAT). Ballots are not known yet, so
what depends on them (support thresholds, floors in proportion to turnout)
is checked at allocation, where a shortfall is named in the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import lcm

from pbengine.core.election import Election, Project
from pbengine.core.fairness.spec import FairnessSpec, RoundFacts
from pbengine.core.money import readable


@dataclass(frozen=True)
class Problem:
    key: str
    """The setting at fault, as the fairness document names it (e.g. "districts.floors.North")."""
    problem: str
    fix: str
    """What the council can change."""


@dataclass(frozen=True)
class Declared:
    """What the round's configuration declares, for names a document must match."""

    districts: Sequence[str] = ()
    categories: Sequence[str] = ()


@dataclass(frozen=True)
class Preflight:
    problems: tuple[Problem, ...]
    warnings: tuple[str, ...]

    @property
    def ready(self) -> bool:
        return not self.problems


def preflight(
    spec: FairnessSpec, election: Election, facts: RoundFacts, declared: Declared
) -> Preflight:
    """Every problem found, not only the first: a council fixes them all in one pass."""
    problems: list[Problem] = []
    warnings: list[str] = []
    problems += unknown_names(spec, declared)
    problems += _unknown_projects(spec, election)
    problems += _missing_data(spec, election, facts, declared, warnings)
    problems += _unenforceable(spec, election, warnings)
    if not problems:
        problems += _unreachable_floors(spec, election, facts)
    return Preflight(tuple(problems), tuple(warnings))


def unknown_names(spec: FairnessSpec, declared: Declared) -> list[Problem]:
    """District and category names the round does not declare."""
    problems = []
    for kind, plural, bound, names, known in (
        ("district", "districts", "floors", spec.district_floors, declared.districts),
        ("district", "districts", "caps", spec.district_caps, declared.districts),
        ("category", "categories", "floors", spec.category_floors, declared.categories),
        ("category", "categories", "caps", spec.category_caps, declared.categories),
    ):
        for name in names:
            if name not in known:
                choices = ", ".join(known) if known else f"the round declares no {plural}"
                problems.append(
                    Problem(
                        f"{plural}.{bound}.{name}",
                        f"unknown {kind} {name!r}; {plural}: {choices}",
                        f"correct the name, or add {kind} {name!r} to the round's {plural}",
                    )
                )
    return problems


def _unknown_projects(spec: FairnessSpec, election: Election) -> list[Problem]:
    problems = []
    ids = set(election.project_ids)
    for key, groups in (("exclusive", spec.exclusive), ("together", spec.together)):
        for group in groups:
            unknown = sorted(group - ids)
            if unknown:
                problems.append(
                    Problem(
                        key,
                        f"projects {', '.join(unknown)} are not among the accepted projects",
                        "name accepted projects only (GET the round's projects for their ids)",
                    )
                )
    return problems


def _missing_data(
    spec: FairnessSpec,
    election: Election,
    facts: RoundFacts,
    declared: Declared,
    warnings: list[str],
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
    if spec.district_floor == "voters":
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
    if spec.reweight_by:
        warnings.append(
            f"turnout reweighting groups voters by their {spec.reweight_by!r} attribute: issue "
            "voter codes with it"
        )
    if spec.outcome_shares is not None:
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
                    f"projects {_ids(serving_none)} serve no outcome priority, so under outcome "
                    "shares they could never be funded",
                    "have each accepted project serve an outcome priority, or drop outcome shares",
                )
            )
    return problems


# Rules that steer spending towards floors and away from caps on every project, whatever
# share of its cost counts (core/fairness/enforce.py): CP-SAT exactly, greedy by skipping.
_STEERING = ("max-welfare",)


def _steers(rule: str) -> bool:
    return rule in _STEERING or rule.startswith("greedy")


def _unenforceable(spec: FairnessSpec, election: Election, warnings: list[str]) -> list[Problem]:
    """Guarantees the chosen rule would only check, not enforce (see enforce.py)."""
    rule = spec.rule
    problems = []
    city_wide = [p.id for p in election.projects if p.district is None]
    district_floors = spec.district_floor is not None or bool(spec.district_floors)
    if not _steers(rule) and district_floors and city_wide:
        problems.append(
            Problem(
                "districts.floor" if spec.district_floor else "districts.floors",
                f"city-wide projects ({_ids(city_wide)}) count towards a district through their "
                f"supporters, and {rule} cannot steer that spending: it would check the district "
                "floors, not enforce them",
                "choose max-welfare or greedy, which enforce them; or give those projects a "
                "district; or drop the district floors",
            )
        )
    if not _steers(rule) and spec.reweight_by:
        problems.append(
            Problem(
                "reweighting",
                f"{rule} does not apply turnout weights: every ballot would count once",
                "choose max-welfare or greedy, which apply them; or drop the reweighting",
            )
        )
    if spec.outcome_shares is not None:
        # Caps and sets re-run the outcome pools (enforce.py); floors would cut across them.
        floors = [
            name
            for name, present in (
                ("district floors", district_floors),
                ("category floors", spec.category_floors),
            )
            if present
        ]
        if floors:
            problems.append(
                Problem(
                    "outcome_shares",
                    f"with outcome shares, {' and '.join(floors)} would be checked, not "
                    "enforced: each outcome's projects compete only for that outcome's share",
                    "drop outcome shares, or the floors (caps and sets are enforced)",
                )
            )
    if rule in ("greedy-no-skip", "greedy-reserve") and spec.constrained:
        warnings.append(f"{rule} under fairness rules skips what does not fit, like greedy")
    return problems


def _unreachable_floors(spec: FairnessSpec, election: Election, facts: RoundFacts) -> list[Problem]:
    """Floors no vote could meet with the accepted projects, proven by CP-SAT."""
    # Imported here, not at the top: OR-Tools costs half a second to import, and only a
    # round with floors needs it.
    from pbengine.core.rules.solvers.feasibility import (  # noqa: PLC0415
        Cap,
        Floor,
        FloorsProblem,
        Verdict,
    )

    budget = election.budget
    fundable = [p for p in election.projects if not p.withdrawn and p.cost <= budget]
    floors = _floors(spec, fundable, budget, facts)
    if not floors:
        return []
    caps = _caps(spec, fundable, budget)
    scale = lcm(
        budget.denominator,
        *(p.cost.denominator for p in fundable),
        *(amount.denominator for _, _, _, amount in floors),
        *(amount.denominator for _, amount in caps),
    )
    ids = {p.id for p in fundable}

    def problem(chosen: Sequence[tuple[str, Iterable[str], Iterable[str], Fraction]]) -> Verdict:
        return FloorsProblem(
            costs={p.id: int(p.cost * scale) for p in fundable},
            budget=int(budget * scale),
            floors=[Floor(list(w), list(s), _ceil(a * scale)) for _, w, s, a in chosen],
            caps=[Cap(members, int(a * scale)) for members, a in caps],
            at_most_one=[g & ids for g in (*spec.exclusive, *election.exclusive_sets)],
            together=[g & ids for g in spec.together],
        ).verdict()

    if problem(floors) is not Verdict.INFEASIBLE:
        return []
    alone = [f for f in floors if problem([f]) is Verdict.INFEASIBLE]
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


FloorSpec = tuple[str, list[str], list[str], Fraction]


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


def _ids(ids: Sequence[str], most: int = 8) -> str:
    shown = ", ".join(ids[:most])
    return shown if len(ids) <= most else f"{shown} and {len(ids) - most} more"
