"""What the delivery service answers with, and what its changes take."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pbengine.core.phases import Phase
from pbengine.service.replies import Reply


class MilestoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=200, description="required")
    planned: str | None = Field(default=None, description="planned date, e.g. 2027-06-30")
    actual: str | None = Field(default=None, description="actual date; required once delivered")
    status: Literal["planned", "in_progress", "delivered", "delayed", "cancelled"] = "planned"
    reason: str | None = Field(
        default=None, max_length=1000, description="required when delayed or cancelled"
    )


class SpendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: str = Field(max_length=30, description="exact money, e.g. 1200.50")
    on: str = Field(description="the date it was spent, e.g. 2027-06-30")
    note: str = Field(default="", max_length=1000)


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000, description="an http(s) address of a photo or document")
    title: str = Field(max_length=200, description="required")


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Checked by the delivery itself, so that a missing or blank reason is refused (422)
    # naming `reason`, like every other change that lacks what it needs.
    reason: str | None = Field(
        default=None, max_length=1000, description="required: published with the project"
    )


class MilestoneOut(Reply):
    number: int
    title: str
    planned: str | None
    actual: str | None
    status: str
    reason: str | None


class SpendOut(Reply):
    amount: str
    on: str
    note: str


class LinkOut(Reply):
    url: str
    title: str


class ProjectDeliveryOut(Reply):
    project: str
    title: str
    allocated: str = Field(description="the cost the allocation funded")
    spent: str = Field(description="the money spent so far, exact")
    state: str = Field(description="planned, in_progress, delivered or cancelled")
    cancelled: str | None = Field(description="why it will not be delivered")
    milestones: list[MilestoneOut]
    spending: list[SpendOut]
    links: list[LinkOut]


class ReallocationDecisionOut(Reply):
    project: str
    funded: bool
    explanation: str


class ReallocatedOut(Reply):
    rule: str = Field(description="next-in-order, rerun or carry")
    released: str
    funded: list[str] = Field(description="projects funded with the released money, in order")
    carried: str = Field(description="released money left for the council's next round")
    decisions: list[ReallocationDecisionOut] = Field(
        default_factory=list,
        description="every project the rule considered: funded or not, and why",
    )


class DeliveryOut(Reply):
    round: int
    phase: Phase
    reallocation: ReallocatedOut | None = Field(
        default=None, description="the released money's reallocation, once applied"
    )
    projects: list[ProjectDeliveryOut] = Field(description="every funded project, in funding order")
