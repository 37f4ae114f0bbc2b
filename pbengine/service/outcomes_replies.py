"""What the round-over-round views answer with, and what a successor round takes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from pbengine.core.phases import Phase
from pbengine.service.config_fields import Amount
from pbengine.service.replies import Reply

CSV_COLUMNS = (
    "outcome",
    "outcome_title",
    "round",
    "round_title",
    "phase",
    "currency",
    "funded_projects",
    "funded_cost",
    "delivered_projects",
    "cancelled_projects",
    "spent",
    "respondents",
    "scores",
    "mean_help",
)


class OutcomeInRound(Reply):
    """One outcome priority in one round: what was funded for it, delivered, spent, and how
    residents judged its help. A project serving two priorities counts under both."""

    round: int
    round_title: str
    phase: Phase
    title: str = Field(description="the priority's title in this round")
    currency: str
    funded_projects: int = Field(description="funded projects serving it (reallocations too)")
    funded_cost: str = Field(description="what the allocation funded them at, exact")
    delivered_projects: int
    cancelled_projects: int
    spent: str = Field(description="actual spending recorded on them, exact")
    respondents: int = Field(description="residents who scored its help")
    scores: int = Field(description="scores given for it, over its delivered projects")
    mean_help: str | None = Field(description="mean help score 1 to 5, two decimals")

    def row(self, key: str) -> list[str]:
        """Its line of the CSV export (CSV_COLUMNS)."""
        values = self.model_dump()
        values.update(outcome=key, outcome_title=self.title, mean_help=self.mean_help or "")
        return [str(values[c]) for c in CSV_COLUMNS]


class OutcomeHistory(Reply):
    key: str
    rounds: list[OutcomeInRound]


class OutcomesHistory(Reply):
    council: str
    rounds: list[int] = Field(description="the council's rounds with a published result")
    outcomes: list[OutcomeHistory]


class SuccessorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(
        default=None, min_length=1, max_length=200, description="default: the old title, next"
    )
    budget: Amount = Field(description="the new round's own budget")
    carry: bool = Field(
        default=True,
        description="add the money the previous round's reallocation carried to its next round",
    )


class SuccessorSummary(Reply):
    from_round: int
    budget_given: str
    carried: str = Field(description="money carried over from the previous round's reallocation")
    previous: list[OutcomeInRound] = Field(
        description="each outcome priority as the previous round delivered and assessed it"
    )
    not_copied: list[str] = Field(description="settings left for the council to set again")
