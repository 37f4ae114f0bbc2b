"""Proposals and their review, and the outcome priorities projects serve."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from pbengine.core.audit import kinds
from pbengine.core.election_json import project_to_json
from pbengine.core.money import parse_amount, plain
from pbengine.core.phases import Phase
from pbengine.service.access import (
    config_of,
    get_round,
    is_insider,
    own_round,
    phase_of,
    require_known,
)
from pbengine.service.config import Amount, Name, OutcomePriority, RoundConfig
from pbengine.service.errors import ConflictError, InvalidError, NotFoundError, Principal
from pbengine.service.events import round_settings
from pbengine.service.frozen import voting_has_opened
from pbengine.service.replies import ProjectForCouncil, ProjectOut
from pbengine.store.repository import ACCEPTED, MERGED, REJECTED, RoundRepository, to_project
from pbengine.store.signing_keys import keyring
from pbengine.store.tables import ProjectRow
from pbengine.store.unit_of_work import UnitOfWork


class ProposalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    cost_estimate: Amount
    district: Name | None = Field(default=None, description="none: a city-wide project")
    categories: list[Name] = Field(default_factory=list)
    outcomes: list[str] = Field(
        default_factory=list, description="keys of the outcome priorities the project serves"
    )
    proposer: str | None = Field(
        default=None, max_length=200, description="name or organisation; seen by the council only"
    )


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["accept", "reject", "merge"]
    cost: Amount | None = Field(default=None, description="accept: the final, costed amount")
    reason: str | None = Field(
        default=None, max_length=4000, description="reject: why, shown to the proposer"
    )
    into: str | None = Field(default=None, description="merge: the project this one joins")


class ProposalService:
    def __init__(self, work: UnitOfWork | Session) -> None:
        self.uow = UnitOfWork.of(work)

    def propose(
        self, principal: Principal, round_id: int, proposal: ProposalIn
    ) -> ProjectForCouncil:
        """Anyone may propose while the round takes proposals; the council reviews each."""
        with self.uow as uow:
            row = get_round(uow.rounds, round_id, for_change=True)
            if phase_of(row) is not Phase.PROPOSALS:
                raise ConflictError(
                    f"the round takes proposals in phase 'proposals'; it is in '{row.phase}'",
                    "phase",
                )
            _check_fits(config_of(uow.rounds, row), proposal)
            cost = parse_amount(proposal.cost_estimate)
            if cost <= 0:
                raise InvalidError("a project must cost something", "cost_estimate")
            project = uow.rounds.add_proposal(
                round_id,
                cost_estimate=cost,
                attributes=_attributes(proposal),
                proposer=proposal.proposer,
            )
            uow.log.append(
                row,
                kinds.PROPOSAL_SUBMITTED,
                {
                    "project": project_to_json(to_project(project)),
                    # Who proposed is for the council's eyes; the log holds a digest keyed
                    # with the server's secret, so that no one holding the record can test
                    # a guessed name against it (the operator can, on a dispute).
                    "proposer_digest": None
                    if proposal.proposer is None
                    else keyring().pseudonym(proposal.proposer),
                },
            )
            reply = project_for_council(project)
            uow.commit()
            return reply

    def listing(self, principal: Principal, round_id: int) -> list[ProjectOut]:
        """Every project; its council's staff and auditors also see who proposed each."""
        with self.uow as uow:
            row = get_round(uow.rounds, round_id)
            view = project_for_council if is_insider(principal, row) else project_out
            return [view(p) for p in uow.rounds.projects(round_id)]

    def review(
        self, principal: Principal, round_id: int, key: str, review: ReviewIn
    ) -> ProjectForCouncil:
        with self.uow as uow:
            row = own_round(uow.rounds, principal, round_id, for_change=True)
            if phase_of(row) is not Phase.REVIEW:
                raise ConflictError(
                    f"proposals are reviewed in phase 'review'; the round is in '{row.phase}'",
                    "phase",
                )
            project = _project(uow.rounds, round_id, key)
            _decide(uow.rounds, project, review)
            uow.log.append(
                row,
                kinds.PROPOSAL_REVIEWED,
                {
                    "project": project.project_key,
                    "decision": review.decision,
                    "status": project.status,
                    "cost": project.cost,
                    "reason": project.reason,
                    "merged_into": project.merged_into,
                },
            )
            reply = project_for_council(project)
            uow.commit()
            return reply

    def add_outcome(
        self, principal: Principal, round_id: int, outcome: OutcomePriority
    ) -> list[OutcomePriority]:
        with self.uow as uow:
            row = own_round(uow.rounds, principal, round_id, for_change=True)
            if voting_has_opened(phase_of(row)):
                raise ConflictError(
                    "outcome priorities are frozen once voting opens (the round is in "
                    f"'{row.phase}')",
                    "outcomes",
                )
            config = config_of(uow.rounds, row)
            if outcome.key in config.outcome_keys():
                raise ConflictError(f"the round already has an outcome {outcome.key!r}", "key")
            updated = config.model_copy(update={"outcomes": [*config.outcomes, outcome]})
            row.config_json = updated.model_dump_json()
            uow.log.append(row, kinds.ROUND_CONFIGURED, round_settings(row))
            uow.commit()
            return list(updated.outcomes)


def _attributes(proposal: ProposalIn) -> dict[str, str]:
    """A proposal's project attributes, as pabulib names them."""
    attributes = {"name": proposal.title, "description": proposal.description}
    if proposal.district:
        attributes["district"] = proposal.district
    if proposal.categories:
        attributes["category"] = ",".join(proposal.categories)
    if proposal.outcomes:
        attributes["outcomes"] = ",".join(proposal.outcomes)
    if proposal.proposer and proposal.proposer.strip():
        attributes["proposer"] = proposer_pseudonym(proposal.proposer)
    return attributes


def _decide(rounds: RoundRepository, project: ProjectRow, review: ReviewIn) -> None:
    """The council's decision on a proposal: accepted at a cost, rejected or merged."""
    if review.decision == "accept":
        if review.cost is None:
            raise InvalidError("accepting a project needs its final cost", "cost")
        if parse_amount(review.cost) <= 0:
            raise InvalidError("a project must cost something", "cost")
        project.status, project.cost = ACCEPTED, review.cost
        project.reason, project.merged_into = review.reason, None
    elif review.decision == "reject":
        if not (review.reason or "").strip():
            raise InvalidError("a rejection needs a reason; the proposer sees it", "reason")
        project.status, project.reason, project.merged_into = REJECTED, review.reason, None
    else:
        target = _merge_target(rounds, project, review.into)
        project.status, project.merged_into = MERGED, target.project_key
        project.reason = review.reason or f"merged into project {target.project_key}"


def _project(rounds: RoundRepository, round_id: int, key: str) -> ProjectRow:
    project = rounds.project(round_id, key)
    if project is None:
        raise NotFoundError(f"round {round_id} has no project {key!r}", "project")
    return project


def _merge_target(rounds: RoundRepository, project: ProjectRow, into: str | None) -> ProjectRow:
    if not into:
        raise InvalidError("a merge names the project this one joins", "into")
    if into == project.project_key:
        raise InvalidError("a project cannot be merged into itself", "into")
    target = rounds.project(project.round_id, into)
    if target is None:
        raise InvalidError(f"round {project.round_id} has no project {into!r}", "into")
    if target.status in (REJECTED, MERGED):
        raise InvalidError(f"project {into!r} is {target.status}; merge into a live one", "into")
    return target


def proposer_pseudonym(name: str) -> str:
    """Who proposed a project, as the allocation and the log see it: the same for every
    project of one proposer however they wrote their name, and not the name itself.

    The per-proposer cap groups projects by this, so it works on the log alone (replay)
    and in exported files without revealing who proposed what. It is keyed with the
    server's digest key (store/digest_key.py): unkeyed, anyone could try names until one
    matched. Replay only compares pseudonyms, so it needs no key.
    """
    return "proposer-" + keyring().pseudonym(" ".join(name.split()).casefold())[:12]


def project_out(project: ProjectRow) -> ProjectOut:
    """A project as the public sees it."""
    return ProjectOut(**_project_fields(project))


def project_for_council(project: ProjectRow) -> ProjectForCouncil:
    """A project as its council sees it: with who proposed it."""
    return ProjectForCouncil(**_project_fields(project), proposer=project.proposer)


def _project_fields(project: ProjectRow) -> dict[str, Any]:
    p = to_project(project)
    return {
        "id": project.project_key,
        "title": p.name,
        "description": p.attributes.get("description", ""),
        "status": project.status,
        "cost": plain(p.cost),
        "cost_estimate": project.cost_estimate,
        "district": p.district,
        "categories": list(p.categories),
        "outcomes": list(p.outcomes),
        "reason": project.reason,
        "merged_into": project.merged_into,
    }


def _check_fits(config: RoundConfig, proposal: ProposalIn) -> None:
    districts = [d.name for d in config.districts]
    if proposal.district is not None:
        require_known("district", "districts", [proposal.district], districts, "district")
    require_known("category", "categories", proposal.categories, config.categories, "categories")
    keys = [o.key for o in config.outcomes]
    require_known("outcome priority", "outcomes", proposal.outcomes, keys, "outcomes")
    if keys and not proposal.outcomes:
        raise InvalidError("name the outcome priorities the project serves", "outcomes")
