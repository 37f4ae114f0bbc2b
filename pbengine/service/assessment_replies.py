"""What the assessment service takes and answers with (docs/co-assessment.md)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pbengine.core import assessment as core
from pbengine.core.phases import Phase
from pbengine.service.replies import Reply


class AssessmentIn(BaseModel):
    """Checked by the assessment itself (core/assessment.py): a refusal is 422 naming the
    field, such as `happened` or `helped.parks`."""

    model_config = ConfigDict(extra="forbid")

    happened: str | None = Field(default=None, description="did it happen: yes, partly or no")
    used: str | None = Field(default=None, description="is it used: yes, partly, no or dont_know")
    helped: dict[str, Any] = Field(
        default_factory=dict,
        description="did it help each outcome priority the project serves: 1 (not at all) to "
        '5 (very much), e.g. {"parks": 4}; leave out those you cannot judge',
    )
    comment: str | None = Field(
        default=None,
        max_length=20_000,
        description=f"optional, at most {core.COMMENT:,} characters; published with the "
        "assessment, but only its digest goes into the round's record",
    )


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(
        default=None,
        max_length=20_000,
        description=f"the council's public answer, at most {core.ANSWER:,} characters",
    )


class AssessmentCodesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = Field(ge=1, le=10_000)
    district: str | None = Field(
        default=None, description="the residents' district, one of the round's districts"
    )


class AssessmentCodes(Reply):
    round: int
    count: int
    district: str | None
    codes: list[str] = Field(description="shown once: only their digests are stored")


class AssessmentOut(Reply):
    project: str
    assessor: str = Field(description="the assessor's pseudonym: never a ballot's voter key")
    happened: str
    used: str
    helped: dict[str, int]
    comment: str | None


class Assessed(Reply):
    round: int
    replaced: bool = Field(description="true when this replaces the code's earlier assessment")
    message: str
    assessment: AssessmentOut


class Answered(Reply):
    round: int
    project: str
    answer: str
    replaced: bool = Field(description="true when this replaces an earlier answer")


class ScoresOut(Reply):
    respondents: int = Field(description="how many gave a score")
    distribution: dict[str, int] = Field(description="how many gave each score, 1 to 5")
    mean: str | None = Field(description="the mean score, to two decimals")


class CommentOut(Reply):
    assessor: str
    comment: str
    salt: str = Field(
        description="sha256(salt + newline + comment) is the digest the round's record holds"
    )


class ProjectAssessmentOut(Reply):
    project: str
    title: str
    state: str = Field(description="the project's delivery state; only delivered are assessed")
    outcomes: list[str] = Field(description="the outcome priorities it was meant to serve")
    respondents: int
    happened: dict[str, int]
    used: dict[str, int]
    helped: dict[str, ScoresOut] = Field(description="per outcome priority it serves")
    by_district: dict[str, int] = Field(description="respondents by their code's district")
    comments: list[CommentOut]
    answer: str | None = Field(description="the council's public answer")


class OutcomeAssessmentOut(Reply):
    key: str
    title: str
    projects: list[str] = Field(description="the delivered projects serving it")
    respondents: int = Field(description="residents who scored it on at least one project")
    scores: int = Field(description="scores given for it, over all its projects")
    distribution: dict[str, int]
    mean: str | None
    by_district: dict[str, int]


class AssessmentView(Reply):
    round: int
    phase: Phase
    respondents: int = Field(description="residents who assessed at least one project")
    by_district: dict[str, int] = Field(description="those residents by their code's district")
    projects: list[ProjectAssessmentOut]
    outcomes: list[OutcomeAssessmentOut]
