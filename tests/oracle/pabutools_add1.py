"""The deployed add1 completion driven through pabutools: one definition for the oracle
tests (pabutools_oracle.py) and the whole-process bench (bench/pabutools_script.py).

pabutools has no option for it (its `voter_budget_increment` stops at the first
exhaustive outcome, pbengine's `add1-exhaustive`): MES with cost satisfaction is rerun
with a total budget of b * n for b = floor(B/n), floor(B/n) + 1, ... until the outcome
costs more than B, and the last outcome that fit is kept. Nothing of pbengine is loaded
here, so that the bench's pabutools process holds pabutools alone.
"""

from __future__ import annotations

from math import floor
from typing import Any

from pabutools.election import Cost_Sat, Project
from pabutools.rules import method_of_equal_shares


def add1_deployed(
    instance: Any, voters: Any, n: int, supported: set[str], tie: Any
) -> list[Project]:
    """MES raised one unit per voter until it overspends, on `voters` (a profile or its
    multiprofile) of `n` ballots; `supported`: the names of the projects that cost
    something and have a supporter (all funded: raising changes nothing more).
    `instance`'s budget is left at the last one tried."""
    budget = instance.budget_limit
    # Satisfactions do not depend on the budget: measured once for every rerun. Passing
    # sat_class instead measures them again each time (2.3x pabutools' time on Świecie).
    satisfaction = voters.as_sat_profile(sat_class=Cost_Sat)
    per_voter = floor(budget / n)
    best: list[Project] = []
    while True:
        instance.budget_limit = per_voter * n
        funded = list(
            method_of_equal_shares(instance, voters, sat_profile=satisfaction, tie_breaking=tie)
        )
        if sum(project.cost for project in funded) > budget:
            return best
        best = funded
        if supported <= {project.name for project in funded}:
            return best
        per_voter += 1
