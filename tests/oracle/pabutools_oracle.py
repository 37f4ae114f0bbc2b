"""Run pabutools (GPL, test-only) on a pabulib file with pbengine's tie-breaking order."""

from __future__ import annotations

from pathlib import Path

from pabutools.election import Cardinality_Sat, Cost_Sat, parse_pabulib
from pabutools.rules import method_of_equal_shares, sequential_phragmen
from pabutools.tiebreaking import TieBreakingRule

from pbengine.core.tiebreak import DEFAULT
from pbengine.formats.pabulib import read_file
from tests.oracle.pabutools_add1 import add1_deployed


def pabutools_selection(
    path: Path, rule: str, utility: str = "cost", add1: bool = False, *, multiprofile: bool = True
) -> set[str]:
    """pabutools' outcome. `multiprofile` collapses identical ballots first (much faster);
    without it pabutools runs on the profile `parse_pabulib` returns, as most users call it."""
    ranks = DEFAULT.ranks(read_file(path))
    tie = TieBreakingRule(lambda _instance, _profile, project: ranks[project.name])
    instance, profile = parse_pabulib(str(path))
    voters = profile.as_multiprofile() if multiprofile else profile
    if rule == "mes":
        sat = Cost_Sat if utility == "cost" else Cardinality_Sat
        result = method_of_equal_shares(
            instance,
            voters,
            sat_class=sat,
            tie_breaking=tie,
            voter_budget_increment=1 if add1 else None,
        )
    elif rule == "phragmen":
        result = sequential_phragmen(instance, voters, tie_breaking=tie)
    else:
        raise ValueError(rule)
    return {project.name for project in result}


def pabutools_add1_deployed(path: Path, *, multiprofile: bool = True) -> set[str]:
    """The deployed add1 (`equalshares/add1`) computed with pabutools' plain MES, rerun
    one unit per voter higher until it overspends (pabutools_add1.py)."""
    ranks = DEFAULT.ranks(read_file(path))
    tie = TieBreakingRule(lambda _instance, _profile, project: ranks[project.name])
    instance, profile = parse_pabulib(str(path))
    voters = profile.as_multiprofile() if multiprofile else profile
    supported = {p.name for p in instance if p.cost > 0 and profile.approval_score(p) > 0}
    funded = add1_deployed(instance, voters, profile.num_ballots(), supported, tie)
    return {project.name for project in funded}
