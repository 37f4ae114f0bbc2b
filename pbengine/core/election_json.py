"""An election's parts as plain JSON: as the store keeps them and the audit log records them.

One module for both, so a round rebuilt from its event log is built exactly as
the store builds it. Amounts are exact decimal strings (money.plain).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict
from fractions import Fraction
from typing import Any

from pbengine.core.election import Ballot, BallotLimits, Election, Project, VoteType
from pbengine.core.money import parse_amount, plain


def header_of(election: Election) -> dict[str, Any]:
    """Everything an election holds besides its projects and ballots."""
    return {
        "budget": plain(election.budget),
        "vote_type": election.vote_type.value,
        "rule": election.rule,
        "limits": limits_to_json(election.limits),
        "score_threshold": None
        if election.score_threshold is None
        else plain(election.score_threshold),
        "meta": dict(election.meta),
        "exclusive_sets": [sorted(group) for group in election.exclusive_sets],
    }


def limits_to_json(limits: BallotLimits) -> dict[str, int | str]:
    out: dict[str, int | str] = {}
    for key, value in asdict(limits).items():
        if isinstance(value, Fraction):
            out[key] = plain(value)
        elif value is not None:
            out[key] = value
    return out


def limits_from_json(data: Mapping[str, int | str]) -> BallotLimits:
    values: dict[str, Any] = {}
    for key, value in data.items():
        values[key] = value if isinstance(value, int) else parse_amount(value)
    return BallotLimits(**values)


def project_to_json(project: Project) -> dict[str, Any]:
    return {"id": project.id, "cost": plain(project.cost), "attributes": dict(project.attributes)}


def project_from_json(data: Mapping[str, Any]) -> Project:
    return Project(str(data["id"]), parse_amount(data["cost"]), dict(data["attributes"]))


def points_to_json(points: Iterable[Fraction] | None) -> list[str] | None:
    return None if points is None else [plain(p) for p in points]


def ballot_from_json(
    voter: str, projects: Iterable[str], points: Iterable[str] | None, attributes: Mapping[str, str]
) -> Ballot:
    return Ballot(
        voter,
        tuple(projects),
        None if points is None else tuple(parse_amount(p) for p in points),
        dict(attributes),
    )


def election_from_json(
    header: Mapping[str, Any], projects: Iterable[Project], ballots: Iterable[Ballot]
) -> Election:
    threshold = header.get("score_threshold")
    return Election(
        budget=parse_amount(header["budget"]),
        vote_type=VoteType(header["vote_type"]),
        projects=tuple(projects),
        ballots=tuple(ballots),
        rule=header.get("rule", ""),
        limits=limits_from_json(header.get("limits", {})),
        score_threshold=None if threshold is None else parse_amount(threshold),
        meta=dict(header.get("meta", {})),
        exclusive_sets=tuple(frozenset(g) for g in header.get("exclusive_sets", [])),
    )
