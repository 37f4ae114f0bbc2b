"""Run pabutools (GPL, test-only) on a pabulib file with pbengine's tie-breaking order."""

from __future__ import annotations

from pathlib import Path

from pabutools.election import Cardinality_Sat, Cost_Sat, parse_pabulib
from pabutools.rules import method_of_equal_shares, sequential_phragmen
from pabutools.tiebreaking import TieBreakingRule

from pbengine.core.tiebreak import DEFAULT
from pbengine.formats.pabulib import read_file


def pabutools_selection(
    path: Path, rule: str, utility: str = "cost", add1: bool = False
) -> set[str]:
    ranks = DEFAULT.ranks(read_file(path))
    tie = TieBreakingRule(lambda _instance, _profile, project: ranks[project.name])
    instance, profile = parse_pabulib(str(path))
    voters = profile.as_multiprofile()
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
