"""The election: projects, ballots and the limits a ballot must respect.

Money is a `Fraction` throughout, so that no rule's outcome can depend on
floating-point rounding. Raw text attributes (a project's name, a voter's age
band...) are kept as the strings they were given, in their original order, so
that an election can be written back exactly as it was read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from functools import cached_property
from types import MappingProxyType


class VoteType(StrEnum):
    APPROVAL = "approval"
    CUMULATIVE = "cumulative"
    SCORING = "scoring"
    ORDINAL = "ordinal"
    CHOOSE_1 = "choose-1"

    @property
    def has_points(self) -> bool:
        return self in (VoteType.CUMULATIVE, VoteType.SCORING)


# The placeholder cost of a withdrawn project: never fund it, never stop at it. The pabulib
# notes (../shared/docs/pb-rules.md) report it in the wider pabulib dataset, but none of the 267
# files in ../shared/pabulib has it (grep for 999999999: no match; their dearest project costs
# 4,837,363, in Warsaw 2026). Here it is a defensive convention, not something verify exercises.
WITHDRAWN_COST = Fraction(999_999_999)


@dataclass(frozen=True, slots=True)
class Project:
    id: str
    cost: Fraction
    attributes: Mapping[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.attributes.get("name", "")

    @property
    def categories(self) -> tuple[str, ...]:
        return _split_list(self.attributes.get("category", ""))

    @property
    def targets(self) -> tuple[str, ...]:
        raw = self.attributes.get("beneficiaries") or self.attributes.get("target", "")
        return _split_list(raw)

    @property
    def outcomes(self) -> tuple[str, ...]:
        """The outcome priorities (keys) the project serves."""
        return _split_list(self.attributes.get("outcomes", ""))

    @property
    def district(self) -> str | None:
        return self.attributes.get("district") or None

    @property
    def latitude(self) -> Fraction | None:
        return _coordinate(self.attributes.get("latitude", ""))

    @property
    def longitude(self) -> Fraction | None:
        return _coordinate(self.attributes.get("longitude", ""))

    @property
    def withdrawn(self) -> bool:
        return self.cost == WITHDRAWN_COST


@dataclass(frozen=True, slots=True)
class Ballot:
    """One voter's ballot. `projects` is in the voter's order (best first for ordinal)."""

    voter_id: str
    projects: tuple[str, ...]
    points: tuple[Fraction, ...] | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BallotLimits:
    min_length: int | None = None
    max_length: int | None = None
    min_sum_cost: Fraction | None = None
    max_sum_cost: Fraction | None = None
    min_points: Fraction | None = None
    max_points: Fraction | None = None
    min_sum_points: Fraction | None = None
    max_sum_points: Fraction | None = None


# BallotLimits' fields that hold amounts (the others count projects), as pabulib names them.
AMOUNT_LIMITS = (
    "min_sum_cost",
    "max_sum_cost",
    "min_points",
    "max_points",
    "min_sum_points",
    "max_sum_points",
)


@dataclass(frozen=True)
class Election:
    budget: Fraction
    vote_type: VoteType
    projects: tuple[Project, ...]
    ballots: tuple[Ballot, ...]
    rule: str = ""
    limits: BallotLimits = BallotLimits()
    score_threshold: Fraction | None = None
    # Every META entry as read, in file order; typed fields above take precedence.
    meta: Mapping[str, str] = field(default_factory=dict)
    # Sets of projects of which at most one may be funded (alternatives for one site).
    exclusive_sets: tuple[frozenset[str], ...] = ()

    def __post_init__(self) -> None:
        ids = [p.id for p in self.projects]
        if len(set(ids)) != len(ids):
            raise ValueError("project ids must be unique")

    @property
    def project_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.projects)

    def project(self, project_id: str) -> Project:
        for p in self.projects:
            if p.id == project_id:
                return p
        raise KeyError(project_id)

    def costs(self) -> dict[str, Fraction]:
        return {p.id: p.cost for p in self.projects}

    @cached_property
    def ballot_lists(self) -> Mapping[tuple[str, ...], int]:
        """How many ballots name each list of projects, as cast (order and all).

        A city's 90,000 ballots hold a few tens of thousands of distinct lists:
        counting those once (in C) lets the tie-breaking order, the project
        scores and the rules' profiles each loop over the lists instead of every
        ballot. Counted when first asked for and kept, read-only: the election is
        frozen, and so are its counts.
        """
        return MappingProxyType(Counter(ballot.projects for ballot in self.ballots))


def _split_list(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _coordinate(raw: str) -> Fraction | None:
    try:
        return Fraction(raw.strip())
    except ValueError:
        return None  # absent, 'none', or several points in one cell: no single location
