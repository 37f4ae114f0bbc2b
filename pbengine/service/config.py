"""A round's configuration as councils write it, validated before it is stored.

The models here are the whole of what a council may set; what freezes once
voting opens is in service/frozen.py, and the configuration an imported
file implies in service/imported_config.py.
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import Any

from pydantic import (
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic.json_schema import SkipJsonSchema

from pbengine.core.election import BallotLimits, VoteType
from pbengine.core.money import parse_amount, plain
from pbengine.core.phases import ORDER, Phase
from pbengine.core.rules import RULES
from pbengine.formats.validation_errors import first_error
from pbengine.service.config_fields import (
    VOTE_TYPES,
    Amount,
    Currency,
    Description,
    Key,
    Name,
    PositiveAmount,
    RuleName,
    Title,
)
from pbengine.service.config_parts import (
    BallotSettings,
    District,
    Fairness,
    OutcomePriority,
    Reallocation,
    Strict,
)
from pbengine.service.errors import InvalidError

__all__ = [
    "Amount",
    "BallotSettings",
    "District",
    "Fairness",
    "Key",
    "Name",
    "OutcomePriority",
    "Reallocation",
    "RoundConfig",
    "RoundPatch",
    "validated_config",
]


class RoundConfig(Strict):
    """A round's configuration. Besides what its schema states, a configuration is refused
    (400, naming the field) with two districts or outcome priorities of one name, district
    budgets adding up to more than the budget, a schedule out of phase order, a ballot
    minimum above its maximum, or district budgets together with fairness floors or caps."""

    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    budget: PositiveAmount
    currency: Currency = "EUR"
    districts: list[District] = Field(default_factory=list)
    categories: list[Name] = Field(default_factory=list, json_schema_extra={"uniqueItems": True})
    outcomes: list[OutcomePriority] = Field(
        default_factory=list, description="the outcome priorities the round commissions"
    )
    ballot: BallotSettings = Field(default_factory=BallotSettings)
    rule: RuleName | None = Field(
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


class RoundPatch(Strict):
    """Fields to change; the rest stay. Frozen once voting opens: see FROZEN_ONCE_VOTING.

    Only `rule` and `fairness` may be set to null (the file's rule; no fairness rules): a
    null elsewhere makes the configuration invalid and is refused (422) with the whole.
    """

    title: Title | SkipJsonSchema[None] = None
    description: Description | SkipJsonSchema[None] = None
    budget: PositiveAmount | SkipJsonSchema[None] = None
    currency: Currency | SkipJsonSchema[None] = None
    districts: list[District] | SkipJsonSchema[None] = None
    categories: list[Name] | SkipJsonSchema[None] = Field(
        default=None, json_schema_extra={"uniqueItems": True}
    )
    outcomes: list[OutcomePriority] | SkipJsonSchema[None] = None
    ballot: BallotSettings | SkipJsonSchema[None] = None
    rule: RuleName | None = None
    revote: bool | SkipJsonSchema[None] = None
    fairness: Fairness | None = None
    reallocation: Reallocation | SkipJsonSchema[None] = None
    schedule: dict[Phase, datetime] | SkipJsonSchema[None] = None


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
