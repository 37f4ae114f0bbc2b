"""A round rebuilt from its events alone, each checked as the service checked it live.

Events are folded in order; an event the service could not have written
(a ballot outside voting, from a voter key never issued, not naming the
ballot it replaces; a frozen setting changed) stops the replay there. Every
allocation is recomputed with the function the service ran.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from pbengine.core import delivery as core_delivery
from pbengine.core.audit import kinds
from pbengine.core.audit.result import first_difference, result_document, result_hash
from pbengine.core.canonical import canonical, digest
from pbengine.core.election import Election
from pbengine.core.election_json import ballot_from_json, election_from_json, project_from_json
from pbengine.core.money import parse_amount, plain
from pbengine.core.phases import (
    AFTER_PUBLICATION,
    Phase,
    PhaseError,
    can_allocate,
    check_transition,
)
from pbengine.service.allocation import (
    allocation_settings,
    round_facts,
    run_allocation,
    what_if_config,
)
from pbengine.service.config import Fairness, RoundConfig
from pbengine.service.errors import ServiceError
from pbengine.service.frozen import frozen_settings
from pbengine.service.replay.assessment import ASSESSMENT_HANDLERS
from pbengine.service.replay.ballots import (
    Ballot,
    ballot_cast,
    ballots_imported,
    counted_ballots,
)
from pbengine.service.replay.delivery import DELIVERY_HANDLERS
from pbengine.service.replay.errors import RecordError
from pbengine.service.replay.paper import paper_batch_counted

STARTS = (kinds.ROUND_CREATED, kinds.ROUND_IMPORTED)


@dataclass
class RebuiltRound:
    """A round as its events build it, checked on the way as the service checked it."""

    phase: Phase | None = None
    imported: bool = False
    config: dict[str, Any] = field(default_factory=dict)
    header: dict[str, Any] = field(default_factory=dict)
    frozen: str | None = None
    frozen_header: str | None = None
    """The election header (budget, ballot type, limits, rule) as voting opened: the
    header is stored apart from the configuration, and a header changed later would
    change the result as surely as a frozen setting."""
    projects: dict[str, dict[str, Any]] = field(default_factory=dict)
    issued: set[str] = field(default_factory=set)
    ballots: dict[str, Ballot] = field(default_factory=dict)
    openings: Mapping[str, Any] | None = None
    """A full record's openings of the committed ballots, by tracker."""
    published: list[Any] | None = None
    """A published record's list of the counted ballots' contents."""
    cast: list[tuple[int, str, Mapping[str, Any]]] = field(default_factory=list)
    """Every ballot event: its height, its tracker and its payload (for paper batches)."""
    paper_batches: set[str] = field(default_factory=set)
    last_result: dict[str, Any] | None = None
    last_allocation: int | None = None
    delivery: core_delivery.Delivery | None = None
    after_vote: dict[str, Any] = field(default_factory=dict)

    def apply(self, event: Mapping[str, Any]) -> None:
        height, type_ = event["height"], event["type"]
        label = f"event {height} ({type_})"
        if (height == 0) != (type_ in STARTS):
            raise RecordError(f"{label}: a log starts with the round's creation, and only there")
        handler = _HANDLERS.get(type_)
        if handler is None:
            raise RecordError(f"{label}: unknown kind of event")
        try:
            handler(self, event["payload"], label, event)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise RecordError(f"{label}: malformed payload ({exc!r})") from None

    # -- configuration and phases --------------------------------------------------------

    def start(self, p: Mapping[str, Any], label: str, event: Mapping[str, Any]) -> None:
        self.imported = event["type"] == kinds.ROUND_IMPORTED
        self.phase = Phase.CLOSED if self.imported else Phase.DRAFT
        self.settle(p, label, event)
        if self.imported:
            # A past election arrives with its votes cast: its settings were frozen by
            # the vote it records, so they stand from the first event.
            self.freeze()

    def settle(self, p: Mapping[str, Any], label: str, _event: Mapping[str, Any]) -> None:
        config, header = dict(p["config"]), dict(p["header"])
        if self.frozen is not None and frozen_settings(config)["digest"] != self.frozen:
            raise RecordError(f"{label} changes a setting frozen since voting opened")
        if self.frozen_header is not None and digest(header) != self.frozen_header:
            raise RecordError(
                f"{label} changes the election header (budget, ballot, rule) frozen since "
                "voting opened"
            )
        self.config, self.header = config, header

    def freeze(self) -> None:
        self.frozen = frozen_settings(self.config)["digest"]
        self.frozen_header = digest(self.header)

    def phase_changed(self, p: Mapping[str, Any], label: str, _event: Mapping[str, Any]) -> None:
        if self.phase is None or p["from"] != self.phase.value:
            raise RecordError(
                f"{label}: moves from {p['from']!r}, but the round is in {self.phase}"
            )
        target = Phase(p["to"])
        try:
            check_transition(self.phase, target)
        except PhaseError as exc:
            raise RecordError(f"{label}: {exc}") from None
        if target is Phase.VOID and not str(p.get("reason") or "").strip():
            raise RecordError(f"{label}: a round made void without a reason")
        if target is Phase.VOTING:
            frozen = frozen_settings(self.config)
            if p.get("frozen") != frozen:
                raise RecordError(f"{label}: the frozen settings it records are not the round's")
            self.freeze()
        self.phase = target

    # -- projects ------------------------------------------------------------------------

    def project_added(self, p: Mapping[str, Any], label: str, _event: Mapping[str, Any]) -> None:
        if not self.imported:
            raise RecordError(f"{label}: projects are added directly only to imported rounds")
        self._add_project(p["project"], p["status"], label)

    def proposal(self, p: Mapping[str, Any], label: str, _event: Mapping[str, Any]) -> None:
        if self.phase is not Phase.PROPOSALS:
            raise RecordError(f"{label}: a proposal outside the proposals phase")
        self._add_project(p["project"], "proposed", label)

    def _add_project(self, project: Mapping[str, Any], status: str, label: str) -> None:
        key = str(project["id"])
        if key in self.projects:
            raise RecordError(f"{label}: project {key} is already in the round")
        self.projects[key] = {**project, "status": status}

    def review(self, p: Mapping[str, Any], label: str, _event: Mapping[str, Any]) -> None:
        if self.phase is not Phase.REVIEW:
            raise RecordError(f"{label}: a review outside the review phase")
        project = self.projects.get(str(p["project"]))
        if project is None:
            raise RecordError(f"{label}: no project {p['project']} to review")
        project["status"], project["cost"] = p["status"], p["cost"]

    # -- voting --------------------------------------------------------------------------

    def codes(self, p: Mapping[str, Any], label: str, _event: Mapping[str, Any]) -> None:
        keys = list(p["voter_keys"])
        if len(keys) != p["count"] or len(set(keys)) != len(keys):
            raise RecordError(f"{label}: the count does not match the voter keys")
        self.issued.update(keys)

    # -- allocation ----------------------------------------------------------------------

    def allocation(self, p: Mapping[str, Any], label: str, event: Mapping[str, Any]) -> None:
        if self.phase is None or not can_allocate(self.phase):
            raise RecordError(f"{label}: an allocation while the round is in {self.phase}")
        config = self.round_config(label)
        recomputed = self.recompute(config, p, label)
        # Logs written before allocations stopped taking a rule hold the override asked
        # for here: a result under any rule but the round's own is not the round's result.
        if p["rule"] is not None and p["rule"] != recomputed["rule"]:
            raise RecordError(
                f"{label}: computed with rule {p['rule']!r}, not the round's declared rule "
                f"{recomputed['rule']!r}"
            )
        self.last_result, self.last_allocation = recomputed, int(event["height"])
        self.phase = Phase.ALLOCATED

    def what_if(self, p: Mapping[str, Any], label: str, _event: Mapping[str, Any]) -> None:
        if self.phase is None or not (can_allocate(self.phase) or self.phase in AFTER_PUBLICATION):
            raise RecordError(f"{label}: a what-if while the round is in {self.phase}")
        asked = dict(p["asked"])
        try:
            trial = what_if_config(
                self.round_config(label),
                asked.get("rule"),
                None if asked.get("fairness") is None else Fairness(**asked["fairness"]),
                "fairness" not in asked,
            )
        except (ServiceError, ValidationError) as exc:
            raise RecordError(f"{label}: the what-if's settings are not valid: {exc}") from None
        self.recompute(trial, p, label)

    def round_config(self, label: str) -> RoundConfig:
        try:
            return RoundConfig.model_validate(self.config)
        except ValidationError as exc:
            raise RecordError(f"{label}: the configuration is not valid: {exc}") from None

    def recompute(self, config: RoundConfig, p: Mapping[str, Any], label: str) -> dict[str, Any]:
        """Recompute an allocation under `config`; it must be the one the event records,
        under the settings it records."""
        recorded = p["result"]
        if p["result_hash"] != result_hash(recorded):
            raise RecordError(f"{label}: result_hash is not the hash of its result")
        election = self.election()
        if election.budget != parse_amount(config.budget):
            raise RecordError(
                f"{label}: the election's budget ({plain(election.budget)}) is not the "
                f"configuration's ({config.budget})"
            )
        try:
            votes = [b.outcomes for _, b in counted_ballots(self) if b.outcomes]
            outcome, equalities = run_allocation(election, config, round_facts(config, votes))
        except ServiceError as exc:
            raise RecordError(f"{label}: the allocation cannot be recomputed: {exc}") from None
        if "settings" in p:
            settings = allocation_settings(config, outcome)
            where = first_difference(settings, p["settings"], "settings")
            if where is not None:
                raise RecordError(
                    f"{label}: {where} is not what the round's configuration says "
                    f"({settings}): the allocation ran under other settings"
                )
        result: dict[str, Any] = json.loads(canonical(result_document(outcome, equalities)))
        where = first_difference(recorded, result)
        if where is not None:
            raise RecordError(f"{label}: {where} differs from the recomputed allocation")
        return result

    def election(self) -> Election:
        projects = [
            project_from_json(p) for p in self.projects.values() if p["status"] == "accepted"
        ]
        ballots = [
            ballot_from_json(voter, b.projects, b.points, b.attributes)
            for voter, b in counted_ballots(self)
        ]
        return election_from_json(self.header, projects, ballots)


_HANDLERS = {
    kinds.ROUND_CREATED: RebuiltRound.start,
    kinds.ROUND_IMPORTED: RebuiltRound.start,
    kinds.ROUND_CONFIGURED: RebuiltRound.settle,
    kinds.PHASE_CHANGED: RebuiltRound.phase_changed,
    kinds.PROJECT_ADDED: RebuiltRound.project_added,
    kinds.PROPOSAL_SUBMITTED: RebuiltRound.proposal,
    kinds.PROPOSAL_REVIEWED: RebuiltRound.review,
    kinds.VOTER_CODES_ISSUED: RebuiltRound.codes,
    kinds.BALLOT_CAST: ballot_cast,
    kinds.BALLOTS_IMPORTED: ballots_imported,
    kinds.ALLOCATION_COMPUTED: RebuiltRound.allocation,
    kinds.ALLOCATION_WHAT_IF: RebuiltRound.what_if,
    kinds.PAPER_BATCH_COUNTED: paper_batch_counted,
    **DELIVERY_HANDLERS,
    **ASSESSMENT_HANDLERS,
}
