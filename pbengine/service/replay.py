"""Replay a round record: verify its chain, rebuild the round from its events, recompute.

Nothing here reads the database: a record (as `AuditService.record` exports
it) is all an auditor needs. The round is rebuilt by folding its events in
order, checking on the way what the service enforced when they happened
(ballots only while voting is open and only from issued voter keys, a
replaced ballot named by its tracker, frozen settings unchanged once voting
opens); every allocation event is recomputed with the same function the
service ran and compared field by field. The first thing that differs is
named; nothing after it is trusted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from pbengine.core.audit import kinds
from pbengine.core.audit.chain import first_break, head
from pbengine.core.audit.result import first_difference, result_document, result_hash
from pbengine.core.canonical import canonical
from pbengine.core.election import Election
from pbengine.core.phases import Phase, PhaseError, can_allocate, check_transition
from pbengine.formats.election_json import (
    ballot_from_json,
    election_from_json,
    project_from_json,
)
from pbengine.service.allocation import (
    allocation_settings,
    round_facts,
    run_allocation,
    what_if_config,
)
from pbengine.service.config import Fairness, RoundConfig, frozen_settings
from pbengine.service.errors import ServiceError

RECORD_FORMAT = "pbengine.record/1"
STARTS = (kinds.ROUND_CREATED, kinds.ROUND_IMPORTED)


@dataclass(frozen=True)
class Replay:
    ok: bool
    problem: str | None
    result_hash: str | None
    """The recomputed result's hash (the last allocation's), when one was recorded."""
    events: int


class RecordError(Exception):
    """The first point where a record does not hold together."""


def replay(record: Mapping[str, Any]) -> Replay:
    events: Sequence[Mapping[str, Any]] = record.get("events") or []
    try:
        if record.get("format") != RECORD_FORMAT:
            raise RecordError(f"not a pbengine round record (format should be {RECORD_FORMAT!r})")
        if not events:
            raise RecordError("the record holds no events (a round older than its log?)")
        broken = first_break(events)
        if broken is not None:
            raise RecordError(broken.problem)
        _check_head(record, events)
        state = _Round()
        for event in events:
            state.apply(event)
        _check_rules(record, state)
        recomputed = _check_record_result(record, state)
    except RecordError as exc:
        return Replay(False, str(exc), None, len(events))
    return Replay(True, None, recomputed, len(events))


def _check_head(record: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> None:
    claimed = record.get("head") or {}
    if claimed.get("height") != len(events) or claimed.get("hash") != head(events):
        raise RecordError(
            f"record field head (height {claimed.get('height')}) is not the end of its log "
            f"({len(events)} events): events were removed from the end, or added"
        )


def _check_rules(record: Mapping[str, Any], state: _Round) -> None:
    """The record's resolved rules must be those of the last configuration the log holds."""
    try:
        config = RoundConfig.model_validate(state.config)
    except ValidationError as exc:
        raise RecordError(f"the configuration in the log is not valid: {exc}") from None
    fairness = None if config.fairness is None else config.fairness.document
    if record.get("rules") != {"rule": config.effective_rule, "fairness": fairness}:
        raise RecordError("record field rules differs from the configuration the log holds")


def _check_record_result(record: Mapping[str, Any], state: _Round) -> str | None:
    last = state.last_result
    if last is None:
        if record.get("result") is not None:
            raise RecordError("record field result: the log records no allocation")
        return None
    where = first_difference(last, record.get("result"))
    if where is not None:
        raise RecordError(
            f"record field {where} differs from the allocation the log records "
            f"(event {state.last_allocation})"
        )
    recomputed = result_hash(last)
    if record.get("result_hash") != recomputed:
        raise RecordError("record field result_hash is not the hash of the result")
    return recomputed


@dataclass
class _Ballot:
    projects: list[str]
    points: list[str] | None
    attributes: dict[str, str]
    outcomes: list[str]
    tracker: str


@dataclass
class _Round:
    """A round as its events build it."""

    phase: Phase | None = None
    imported: bool = False
    config: dict[str, Any] = field(default_factory=dict)
    header: dict[str, Any] = field(default_factory=dict)
    frozen: str | None = None
    projects: dict[str, dict[str, Any]] = field(default_factory=dict)
    issued: set[str] = field(default_factory=set)
    ballots: dict[str, _Ballot] = field(default_factory=dict)
    last_result: dict[str, Any] | None = None
    last_allocation: int | None = None

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

    def settle(self, p: Mapping[str, Any], label: str, _event: Mapping[str, Any]) -> None:
        config = dict(p["config"])
        if self.frozen is not None and frozen_settings(config)["digest"] != self.frozen:
            raise RecordError(f"{label} changes a setting frozen since voting opened")
        self.config, self.header = config, dict(p["header"])

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
            self.frozen = frozen["digest"]
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

    def ballot(self, p: Mapping[str, Any], label: str, event: Mapping[str, Any]) -> None:
        voter = str(p["voter"])
        if self.imported and p["channel"] == "import":
            if voter in self.ballots:
                raise RecordError(f"{label}: a second imported ballot for voter {voter}")
        else:
            if self.phase is not Phase.VOTING:
                raise RecordError(f"{label}: a ballot while the round is in {self.phase}")
            if voter not in self.issued:
                raise RecordError(f"{label}: forged ballot: no voter code was issued for {voter}")
        earlier = self.ballots.get(voter)
        if p["replaces"] != (None if earlier is None else earlier.tracker):
            raise RecordError(f"{label}: it does not name the ballot it replaces")
        on_ballot = {k for k, v in self.projects.items() if v["status"] == "accepted"}
        unknown = [pid for pid in p["projects"] if pid not in on_ballot]
        if unknown:
            raise RecordError(f"{label}: names projects not on the ballot: {unknown}")
        ballot = _Ballot(
            list(p["projects"]),
            p["points"],
            dict(p["attributes"]),
            list(p["outcomes"]),
            str(event["hash"]),
        )
        # A replacement keeps the earlier ballot's place, as the store keeps its row.
        self.ballots[voter] = ballot

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
        if self.phase is None or not (can_allocate(self.phase) or self.phase is Phase.PUBLISHED):
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
        try:
            votes = [b.outcomes for b in self.ballots.values() if b.outcomes]
            outcome, equalities = run_allocation(
                self.election(), config, round_facts(config, votes)
            )
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
            for voter, b in self.ballots.items()
        ]
        return election_from_json(self.header, projects, ballots)


_HANDLERS = {
    kinds.ROUND_CREATED: _Round.start,
    kinds.ROUND_IMPORTED: _Round.start,
    kinds.ROUND_CONFIGURED: _Round.settle,
    kinds.PHASE_CHANGED: _Round.phase_changed,
    kinds.PROJECT_ADDED: _Round.project_added,
    kinds.PROPOSAL_SUBMITTED: _Round.proposal,
    kinds.PROPOSAL_REVIEWED: _Round.review,
    kinds.VOTER_CODES_ISSUED: _Round.codes,
    kinds.BALLOT_CAST: _Round.ballot,
    kinds.ALLOCATION_COMPUTED: _Round.allocation,
    kinds.ALLOCATION_WHAT_IF: _Round.what_if,
}


def verify_extends(old: Mapping[str, Any], new: Mapping[str, Any]) -> str | None:
    """None when `new` keeps every event of `old` unchanged and only adds; else what differs."""
    for name, record in (("earlier", old), ("later", new)):
        broken = first_break(record.get("events") or [])
        if broken is not None:
            return f"the {name} record's log is broken: {broken.problem}"
    if (old.get("round") or {}).get("id") != (new.get("round") or {}).get("id"):
        return "the records are of different rounds"
    before, after = old.get("events") or [], new.get("events") or []
    if len(after) < len(before):
        return f"the later record has {len(after)} events, fewer than the {len(before)} before"
    for position, (a, b) in enumerate(zip(before, after, strict=False)):
        if a != b:
            return f"event {position} ({a.get('type')}) was rewritten in the later record"
    return None
