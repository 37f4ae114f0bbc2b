"""What the services answer with: frozen values, never database rows.

The HTTP API returns these models as they are, so their schemas are the
response bodies in its OpenAPI document; the command line prints them. A
round itself is a RoundView (service/rounds.py), which the API maps to its
own response model.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pbengine.core.phases import Phase
from pbengine.service.signed_replies import PublicKeys, SignedHead


class Reply(BaseModel):
    model_config = ConfigDict(frozen=True)


class RoundSummary(Reply):
    id: int
    council: str
    title: str
    phase: Phase


# -- projects ----------------------------------------------------------------------------


class ProjectOut(Reply):
    """A project as the public sees it: a proposal, its review, and the reasons given."""

    id: str
    title: str
    description: str
    status: str = Field(description="proposed, accepted, rejected or merged")
    cost: str = Field(description="the final cost once accepted; until then the estimate")
    cost_estimate: str | None = Field(description="the proposer's estimate (imported: none)")
    district: str | None = Field(description="none: a city-wide project")
    categories: list[str]
    outcomes: list[str] = Field(description="keys of the outcome priorities it serves")
    reason: str | None = Field(description="why it was rejected or merged")
    merged_into: str | None


class ProjectForCouncil(ProjectOut):
    """A project as its council's staff and auditors see it: with who proposed it."""

    proposer: str | None


# -- pre-flight --------------------------------------------------------------------------


class ProblemOut(Reply):
    field: str = Field(description="the setting at fault")
    problem: str
    fix: str = Field(description="what the council can change")


class PreflightReport(Reply):
    round: int
    ready: bool = Field(description="true when voting can open")
    problems: list[ProblemOut]
    warnings: list[str]


# -- results -----------------------------------------------------------------------------


class ProjectResult(Reply):
    id: str
    name: str
    cost: str
    votes: str = Field(description="its score: approvals, points, or ordinal points")
    funded: bool
    explanation: str = Field(description="why it was funded or not")


class OutcomeVotes(Reply):
    """Residents' votes on one outcome priority."""

    key: str
    title: str
    ballots: int = Field(description="ballots naming it")
    first_choices: int | None = Field(description="ranking ballots only: ballots naming it first")
    borda: int | None = Field(
        description="ranking ballots only: m-1 points for a first choice, m-2 for a second… "
        "(m outcome priorities)"
    )


class ResultsReport(Reply):
    """An allocation: what was funded, why, where the money went, and who is served."""

    round: int
    title: str
    phase: Phase
    currency: str
    rule: str = Field(description="the rule that ran")
    budget: str
    total_cost: str
    ballots: int
    selected: list[str] = Field(description="the funded projects' ids, in funding order")
    notes: list[str]
    projects: list[ProjectResult]
    spend_by_district: dict[str, str] = Field(description="'(none)': city-wide projects")
    spend_by_category: dict[str, str]
    spend_by_outcome: dict[str, str] = Field(
        description="spend on projects serving each outcome priority (a project serving two "
        "counts in full for each)"
    )
    outcome_votes: list[OutcomeVotes]
    equalities: dict[str, Any] = Field(
        description="the equalities report (docs/fairness.md): voters, coverage, "
        "spend_by_district, constraints (each met or its shortfall), enforcement, effect "
        "(what the fairness rules brought in and pushed out) and proportionality; exactly "
        "as computed with the allocation"
    )


class WhatIfLabel(Reply):
    declared_rule: str = Field(description="the round's own rule, which its result runs")
    rule: str = Field(description="the rule this what-if ran")
    fairness: dict[str, Any] | None = Field(description="the fairness document it ran under")
    warning: str


class WhatIfReport(ResultsReport):
    """What other settings would fund: logged in the round's record, never its result."""

    what_if: WhatIfLabel


# -- voting ------------------------------------------------------------------------------


class CountedBallot(Reply):
    projects: list[str]
    points: list[str] | None = Field(description="cumulative and scoring ballots, per project")
    outcomes: list[str]


class BallotReceipt(Reply):
    """An accepted ballot: its tracker, and the whole ballot as it counts."""

    round: int
    tracker: str = Field(
        description="the hash of the ballot's event in the round's log: listed at /trackers "
        "once voting closes while the ballot counts, gone from there if it is replaced"
    )
    channel: str = Field(description="online, paper or assisted")
    replaced_earlier_ballot: bool
    cast_at: str
    ballot: CountedBallot
    kept_from_earlier_ballot: list[str] = Field(
        description="the parts a revote left out and so kept from the earlier ballot"
    )
    receipt: SignedHead | None = Field(
        default=None,
        description="the log's head after this ballot, signed by the server: keep it to "
        "prove later that the round's record still holds the ballot (null only in replies "
        "kept from before receipts were signed)",
    )


class BallotCount(Reply):
    round: int
    ballots: int
    by_channel: dict[str, int]
    voter_codes_issued: int


# -- audit -------------------------------------------------------------------------------


class Trackers(Reply):
    round: int
    ballots: int
    trackers: list[str] = Field(description="the trackers of the ballots that count, sorted")
    replaced: list[str] = Field(
        description="the trackers of ballots a later ballot under the same voter code "
        "replaced, sorted: they do not count (the later one does)",
    )


class EngineInfo(Reply):
    name: str
    version: str


class RecordRound(Reply):
    id: int
    title: str
    council: str


class RecordRules(Reply):
    rule: str | None = Field(description="the rule the round's allocation runs")
    fairness: dict[str, Any] | None = Field(description="its fairness document, resolved")


class RecordEvent(Reply):
    height: int
    type: str
    at: str
    payload: dict[str, Any] = Field(description="what happened (docs/audit.md lists each kind)")
    parent: str = Field(description="the previous event's hash")
    hash: str


class RecordHead(Reply):
    height: int = Field(description="the number of events")
    hash: str = Field(description="the last event's hash")


class ChainHead(Reply):
    """The latest event of a round's log: anyone may note it, and later check that the
    record they are given extends it (`pbengine verify-extends`)."""

    round: int
    height: int = Field(description="the number of events")
    hash: str = Field(description="the last event's hash (64 zeros: no event yet)")
    at: str | None = Field(description="when the last event was written (UTC, ISO 8601)")


class RoundRecord(Reply):
    """Everything needed to check a round without its database: `pbengine replay` reads it."""

    format: str
    engine: EngineInfo
    round: RecordRound
    rules: RecordRules
    events: list[RecordEvent]
    head: RecordHead
    result: dict[str, Any] | None = Field(description="the last allocation's result document")
    result_hash: str | None
    signing_keys: PublicKeys | None = Field(
        default=None, description="the server's public keys: they check the checkpoints"
    )
    checkpoints: list[SignedHead] = Field(
        default_factory=list, description="the signed head at each phase change"
    )
    openings: dict[str, dict[str, Any]] | None = Field(
        default=None,
        description="full record: for each counted ballot's tracker, the nonce and ballot its "
        "commitment opens to (docs/audit.md, Ballot secrecy)",
    )
    ballots: list[dict[str, Any]] | None = Field(
        default=None,
        description="published record: the counted ballots' contents, sorted, apart from the "
        "chain: no nonce, no voter key, so no tracker maps to one",
    )
