"""A round's configuration as councils write it, validated before it is stored.

The models here are the whole of what a council may set; what freezes once
voting opens is in service/frozen.py, and the configuration an imported
file implies in service/imported_config.py.
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from pbengine.core.election import BallotLimits, VoteType
from pbengine.core.money import parse_amount, plain
from pbengine.core.phases import ORDER, Phase
from pbengine.core.rules import RULES
from pbengine.formats.fairness_document import (
    FairnessDocument,
    FairnessDocumentError,
    load_preset,
    parse_document,
)
from pbengine.formats.validation_errors import first_error
from pbengine.service.config_fields import VOTE_TYPES, Amount, BallotType, Key, Name
from pbengine.service.errors import InvalidError

__all__ = [
    "Amount",
    "BallotSettings",
    "District",
    "Fairness",
    "Key",
    "Name",
    "OutcomePriority",
    "RoundConfig",
    "RoundPatch",
    "validated_config",
]


Reallocation = Literal["next-in-order", "rerun", "carry"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class District(_Strict):
    name: Name
    budget: Amount | None = Field(
        default=None, description="its own budget: its projects compete for this alone"
    )
    population: int | None = Field(default=None, ge=0, le=10**10)


class OutcomePriority(_Strict):
    key: Key
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)


class BallotSettings(_Strict):
    """The ballot and its limits, named as pabulib names them."""

    type: BallotType = Field(
        default="approval",
        description="knapsack: approve projects whose costs fit the budget (max_sum_cost)",
    )
    min_length: int | None = Field(
        default=None, ge=0, le=10_000, description="fewest projects named"
    )
    max_length: int | None = Field(default=None, ge=1, le=10_000, description="most projects named")
    min_sum_cost: Amount | None = None
    max_sum_cost: Amount | None = Field(default=None, description="knapsack: default the budget")
    min_points: Amount | None = Field(default=None, description="fewest points for one project")
    max_points: Amount | None = Field(default=None, description="most points for one project")
    min_sum_points: Amount | None = None
    max_sum_points: Amount | None = Field(default=None, description="points to share out")
    outcome_vote: Literal["approval", "ranking"] = Field(
        default="ranking", description="how residents vote on outcome priorities"
    )
    max_outcomes: int | None = Field(default=None, ge=1, le=10_000)

    @model_validator(mode="after")
    def _consistent(self) -> BallotSettings:
        for low, high in (
            ("min_length", "max_length"),
            ("min_sum_cost", "max_sum_cost"),
            ("min_points", "max_points"),
            ("min_sum_points", "max_sum_points"),
        ):
            a, b = getattr(self, low), getattr(self, high)
            if a is not None and b is not None and Fraction(a) > Fraction(b):
                raise ValueError(f"{low} ({a}) is above {high} ({b})")
        has_points = VOTE_TYPES[self.type].has_points
        for name in ("min_points", "max_points", "min_sum_points", "max_sum_points"):
            if getattr(self, name) is not None and not has_points:
                raise ValueError(f"{name} applies only to cumulative and scoring ballots")
        return self


class Fairness(_Strict):
    """Fairness rules: a preset from rules/ or a fairness document written inline.

    The document is stored with the round as resolved when it was set, so a
    later edit of a preset file does not change a round that used it.
    """

    preset: str | None = Field(default=None, description="a preset name, e.g. equal-shares")
    document: dict[str, Any] | None = Field(
        default=None, description="an inline fairness document (the TOML's content, as JSON)"
    )

    @model_validator(mode="after")
    def _resolve(self) -> Fairness:
        if self.preset is None and self.document is None:
            raise ValueError("give either a preset or a document")
        try:
            # A stored round carries both: the preset's name and its document as resolved
            # when it was set, which stands even if the preset file has changed since.
            if self.document is None and self.preset is not None:
                resolved = load_preset(self.preset)
            else:
                resolved = parse_document(self.document or {}, "fairness.document")
        except FairnessDocumentError as exc:
            raise ValueError(f"{exc.key}: {exc.problem}") from None
        self.document = resolved.model_dump(exclude_none=True, exclude_defaults=True)
        return self

    def as_document(self) -> FairnessDocument:
        return parse_document(self.document or {}, self.preset or "fairness.document")


class RoundConfig(_Strict):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    budget: Amount
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    districts: list[District] = Field(default_factory=list)
    categories: list[Name] = Field(default_factory=list)
    outcomes: list[OutcomePriority] = Field(
        default_factory=list, description="the outcome priorities the round commissions"
    )
    ballot: BallotSettings = Field(default_factory=BallotSettings)
    rule: str | None = Field(
        default="greedy",
        description="an allocation rule (GET /api/v1/rules lists them); "
        "null on imported rounds: the rule their file declares",
    )
    revote: bool = Field(
        default=True, description="a resident may vote again before close, replacing the ballot"
    )
    fairness: Fairness | None = Field(
        default=None, description="fairness rules around the rule (GET /api/v1/rules/presets)"
    )
    reallocation: Reallocation = Field(
        default="carry", description="what money released after publication funds (docs/)"
    )
    schedule: dict[Phase, datetime] = Field(
        default_factory=dict, description="when each phase is planned to start (informative)"
    )

    @field_validator("budget")
    @classmethod
    def _positive(cls, budget: str) -> str:
        if Fraction(budget) <= 0:
            raise ValueError("budget must be positive")
        return budget

    @field_validator("districts")
    @classmethod
    def _districts(cls, districts: list[District], info: ValidationInfo) -> list[District]:
        _unique([d.name for d in districts])
        carved = sum((Fraction(d.budget) for d in districts if d.budget), Fraction(0))
        budget = info.data.get("budget")
        if budget is not None and carved > Fraction(budget):
            raise ValueError(
                f"district budgets add up to {plain(carved)}, above the budget of {budget}"
            )
        return districts

    @field_validator("categories")
    @classmethod
    def _categories(cls, categories: list[str]) -> list[str]:
        _unique(categories)
        return categories

    @field_validator("outcomes")
    @classmethod
    def _outcomes(cls, outcomes: list[OutcomePriority]) -> list[OutcomePriority]:
        _unique([o.key for o in outcomes])
        return outcomes

    @field_validator("rule")
    @classmethod
    def _known_rule(cls, rule: str | None) -> str | None:
        if rule is not None and rule not in RULES:
            raise ValueError(f"unknown rule {rule!r}; known rules: {', '.join(RULES)}")
        return rule

    @field_validator("fairness")
    @classmethod
    def _one_way_of_districts(cls, fairness: Fairness | None, info: ValidationInfo) -> Any:
        budgets = [d for d in info.data.get("districts", []) if d.budget is not None]
        # A document that only names a rule (warsaw-greedy) asks for nothing the district
        # budgets' pools would have to honour; anything more, the pools cannot enforce.
        if fairness is not None and budgets and fairness.as_document().spec().constrained:
            raise ValueError(
                "districts with their own budgets and fairness rules cannot be combined yet: "
                "give districts floors or caps in the fairness document instead"
            )
        return fairness

    @field_validator("schedule")
    @classmethod
    def _in_order(cls, schedule: dict[Phase, datetime]) -> dict[Phase, datetime]:
        planned = [schedule[p] for p in ORDER if p in schedule]
        if planned != sorted(planned):
            raise ValueError("phases must start in the order they run")
        return schedule

    @property
    def effective_rule(self) -> str | None:
        """The rule the allocation runs: the fairness document's, else the round's own."""
        document = self.fairness.document if self.fairness else None
        return (document or {}).get("rule") or self.rule

    @property
    def vote_type(self) -> VoteType:
        return VOTE_TYPES[self.ballot.type]

    def limits(self) -> BallotLimits:
        b = self.ballot
        max_sum_cost = b.max_sum_cost
        if b.type == "knapsack" and max_sum_cost is None:
            max_sum_cost = self.budget
        return BallotLimits(
            min_length=b.min_length,
            max_length=b.max_length,
            min_sum_cost=_fraction(b.min_sum_cost),
            max_sum_cost=_fraction(max_sum_cost),
            min_points=_fraction(b.min_points),
            max_points=_fraction(b.max_points),
            min_sum_points=_fraction(b.min_sum_points),
            max_sum_points=_fraction(b.max_sum_points),
        )

    def district_budgets(self) -> dict[str, Fraction]:
        return {d.name: Fraction(d.budget) for d in self.districts if d.budget is not None}

    def outcome_keys(self) -> set[str]:
        return {o.key for o in self.outcomes}


class RoundPatch(_Strict):
    """Fields to change; the rest stay. Frozen once voting opens: see FROZEN_ONCE_VOTING."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    budget: Amount | None = None
    currency: str | None = None
    districts: list[District] | None = None
    categories: list[Name] | None = None
    outcomes: list[OutcomePriority] | None = None
    ballot: BallotSettings | None = None
    rule: str | None = None
    revote: bool | None = None
    fairness: Fairness | None = None
    reallocation: Reallocation | None = None
    schedule: dict[Phase, datetime] | None = None


def _fraction(value: str | None) -> Fraction | None:
    return None if value is None else parse_amount(value)


def _unique(names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"{name!r} appears twice")
        seen.add(name)


def validated_config(data: dict[str, Any]) -> RoundConfig:
    try:
        return RoundConfig.model_validate(data)
    except ValidationError as exc:
        field, problem = first_error(exc, "body")
        raise InvalidError(problem, field) from None
