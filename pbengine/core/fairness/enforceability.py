"""Pre-flight: guarantees the chosen rule could only check on the result, not enforce."""

from __future__ import annotations

from pbengine.core.election import Election
from pbengine.core.fairness.problem import Problem, listed
from pbengine.core.fairness.spec import FairnessSpec

# Rules that steer spending towards floors and away from caps on every project, whatever
# share of its cost counts (core/fairness/enforce.py): CP-SAT exactly, greedy by skipping.
_STEERING = ("max-welfare",)


def _steers(rule: str) -> bool:
    return rule in _STEERING or rule.startswith("greedy")


def unenforceable(spec: FairnessSpec, election: Election, warnings: list[str]) -> list[Problem]:
    """Guarantees the chosen rule would only check, not enforce (see enforce.py)."""
    rule = spec.rule
    problems = []
    city_wide = [p.id for p in election.projects if p.district is None]
    district_floors = spec.district_floor is not None or bool(spec.district_floors)
    if not _steers(rule) and district_floors and city_wide:
        problems.append(
            Problem(
                "districts.floor" if spec.district_floor else "districts.floors",
                f"city-wide projects ({listed(city_wide)}) count towards a district through their "
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
        # Caps and sets re-run the outcome pools (rerun.py); floors would cut across them.
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
