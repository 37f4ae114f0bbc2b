"""The parts of a round's configuration: districts, outcome priorities, the ballot, fairness.

Each says in its JSON Schema what it accepts (pbengine/api/model_schemas.py publishes
pydantic's schema), including what holds across its fields where JSON Schema can say it.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pbengine.formats.fairness_document import (
    FairnessDocument,
    FairnessDocumentError,
    load_preset,
    parse_document,
)
from pbengine.service.config_fields import (
    POINTS_NEED_POINTS_BALLOT,
    VOTE_TYPES,
    Amount,
    BallotType,
    Key,
    Name,
    one_of_preset_or_document,
)

Reallocation = Literal["next-in-order", "rerun", "carry"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class District(Strict):
    name: Name
    budget: Amount | None = Field(
        default=None, description="its own budget: its projects compete for this alone"
    )
    population: int | None = Field(default=None, ge=0, le=10**10)


class OutcomePriority(Strict):
    key: Key
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)


class BallotSettings(Strict):
    """The ballot and its limits, named as pabulib names them."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=POINTS_NEED_POINTS_BALLOT)

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


class Fairness(Strict):
    """Fairness rules: a preset from rules/ or a fairness document written inline.

    The document is stored with the round as resolved when it was set, so a
    later edit of a preset file does not change a round that used it.
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra=one_of_preset_or_document)

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
