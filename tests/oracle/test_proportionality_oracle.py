"""The EJR-up-to-one and priceability checks against pabutools' own (brute force / LP).

pabutools enumerates every group of voters and every set of projects, so the
elections here are tiny; the pruning of pbengine's search is what is under test.
"""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pabutools.analysis.justifiedrepresentation import is_EJR_one_approval
from pabutools.analysis.priceability import priceable
from pabutools.election import (
    ApprovalBallot,
    ApprovalProfile,
    Cardinality_Sat,
    Cost_Sat,
    Instance,
)
from pabutools.election import Project as PabuProject

from pbengine.core.election import Election
from pbengine.core.proportionality.ejr import ejr_up_to_one
from pbengine.core.proportionality.priceability import check_priceable
from pbengine.core.rules import allocate
from tests.elections import approval_elections


def _pabutools(election: Election) -> tuple[Instance, ApprovalProfile, dict[str, PabuProject]]:
    projects = {p.id: PabuProject(p.id, p.cost) for p in election.projects}
    instance = Instance(projects.values(), budget_limit=election.budget)
    profile = ApprovalProfile(
        [ApprovalBallot([projects[pid] for pid in b.projects]) for b in election.ballots]
    )
    return instance, profile, projects


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    election=approval_elections(max_projects=5, max_voters=6),
    picks=st.lists(st.booleans(), min_size=5, max_size=5),
    utility=st.sampled_from(["cost", "cardinality"]),
)
def test_ejr_up_to_one_agrees_with_pabutools(
    election: Election, picks: list[bool], utility: str
) -> None:
    selected = [p.id for p, pick in zip(election.projects, picks, strict=False) if pick]
    instance, profile, projects = _pabutools(election)
    sat = Cost_Sat if utility == "cost" else Cardinality_Sat
    expected = is_EJR_one_approval(instance, profile, sat, [projects[p] for p in selected])
    assert ejr_up_to_one(election, selected, utility).holds is expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(election=approval_elections(max_projects=5, max_voters=6))
def test_equal_shares_price_system_is_one_pabutools_accepts(election: Election) -> None:
    # pabutools' LP uses 10 B as its big M: a dearer project breaks its model, not ours.
    assume(all(p.cost <= 10 * election.budget for p in election.projects))
    outcome = allocate(election, "equalshares")
    assert check_priceable(election, outcome).holds is True
    instance, profile, projects = _pabutools(election)
    found = priceable(
        instance,
        profile,
        budget_allocation=[projects[p] for p in outcome.selected],
        exhaustive=False,
    )
    assert found.validate() is True
