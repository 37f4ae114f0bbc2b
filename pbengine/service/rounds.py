"""Round use cases: create and configure, move phases, import history, allocate, report, export.

The service checks who may do what; callers (the HTTP API, the CLI) only
translate requests and errors. One service call is one transaction: it
commits on success and leaves nothing behind on failure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from pbengine.core.audit import kinds
from pbengine.core.audit.result import result_document, result_hash
from pbengine.core.election import Election
from pbengine.core.money import parse_amount
from pbengine.core.outcome import Outcome
from pbengine.core.phases import Phase, PhaseError, can_allocate, check_transition, results_public
from pbengine.core.rules import RULES, UnknownRuleError, declared_rule
from pbengine.formats.election_json import points_to_json, project_to_json
from pbengine.formats.pabulib import read_text, write_text
from pbengine.service.access import (
    config_of,
    council_of,
    get_round,
    is_insider,
    own_round,
    phase_of,
    readable_record,
)
from pbengine.service.allocation import (
    allocation_settings,
    round_facts,
    run_allocation,
    what_if_config,
)
from pbengine.service.config import Fairness, RoundConfig, RoundPatch, validated_config
from pbengine.service.errors import ConflictError, ForbiddenError, InvalidError, Principal
from pbengine.service.events import ballot_event, round_settings
from pbengine.service.frozen import FROZEN_ONCE_VOTING, frozen_settings, voting_has_opened
from pbengine.service.imported_config import config_of_import
from pbengine.service.preflight import NotReadyError, check_names, round_preflight
from pbengine.service.reports import results_report
from pbengine.store.ballots import BallotRepository
from pbengine.store.events import EventLog
from pbengine.store.repository import (
    ACCEPTED,
    RoundRepository,
    to_project,
)
from pbengine.store.tables import RoundRow


class WhatIf(BaseModel):
    """Another rule or fairness document to try on a round's ballots."""

    model_config = ConfigDict(extra="forbid")

    rule: str | None = Field(default=None, description="a rule name; default: the round's")
    fairness: Fairness | None = Field(
        default=None,
        description="another fairness document, or null for none; omitted: the round's own",
    )


@dataclass(frozen=True)
class RoundView:
    row: RoundRow
    config: RoundConfig


class RoundService:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.rounds = RoundRepository(session)
        self.log = EventLog(session)

    def create(self, principal: Principal, config: RoundConfig) -> RoundView:
        council = council_of(principal)
        check_names(config)
        row = self.rounds.create(council=council, title=config.title, phase=Phase.DRAFT)
        self._apply(row, config)
        self.session.flush()
        self.log.append(row, kinds.ROUND_CREATED, {"council": council, **round_settings(row)})
        self.session.commit()
        return RoundView(row, config)

    def update(self, principal: Principal, round_id: int, patch: RoundPatch) -> RoundView:
        row = own_round(self.rounds, principal, round_id, for_change=True)
        current = config_of(self.rounds, row)
        before = current.model_dump(mode="json")
        changes = patch.model_dump(mode="json", exclude_unset=True)
        if voting_has_opened(phase_of(row)):
            for key in FROZEN_ONCE_VOTING:
                if key in changes and changes[key] != before[key]:
                    raise ConflictError(
                        f"{key!r} is frozen once voting opens (the round is in '{row.phase}')", key
                    )
        config = validated_config({**before, **changes})
        check_names(config)
        self._check_still_used(round_id, config)
        self._apply(row, config)
        self.log.append(row, kinds.ROUND_CONFIGURED, round_settings(row))
        self.session.commit()
        return RoundView(row, config)

    def view(self, round_id: int) -> RoundView:
        row = get_round(self.rounds, round_id)
        return RoundView(row, config_of(self.rounds, row))

    def all_rounds(self) -> list[RoundRow]:
        return self.rounds.rounds()

    def import_pb(self, principal: Principal, text: str, title: str | None = None) -> RoundView:
        """A closed round holding a pabulib election's projects and ballots."""
        council = council_of(principal)
        election = read_text(text)  # PabulibError: the caller reports line and problem
        seen: set[str] = set()
        for ballot in election.ballots:
            if ballot.voter_id in seen:
                raise InvalidError(
                    f"voter {ballot.voter_id!r} has two ballots; one per voter", "body"
                )
            seen.add(ballot.voter_id)
        title = (title or election.meta.get("description") or "imported round")[:200]
        config = config_of_import(election, title)
        round_id = self.rounds.add(
            election,
            council=council,
            title=title,
            phase=Phase.CLOSED,
            config_json=config.model_dump_json(),
        )
        row = self.rounds.round(round_id)
        self.log.append_many(
            row,
            [
                (kinds.ROUND_IMPORTED, {"council": council, **round_settings(row)}),
                *(
                    (kinds.PROJECT_ADDED, {"project": project_to_json(p), "status": ACCEPTED})
                    for p in election.projects
                ),
                *(
                    (
                        kinds.BALLOT_CAST,
                        ballot_event(
                            b.voter_id,
                            list(b.projects),
                            points_to_json(b.points),
                            [],
                            dict(b.attributes),
                            channel="import",
                        ),
                    )
                    for b in election.ballots
                ),
            ],
        )
        self.session.commit()
        return RoundView(row, config)

    def change_phase(
        self, principal: Principal, round_id: int, target: str, reason: str | None = None
    ) -> RoundView:
        row = own_round(self.rounds, principal, round_id, for_change=True)
        if target == Phase.VOID and not (reason or "").strip():
            raise InvalidError(
                "say why the round is void: the reason is published with it", "reason"
            )
        if target != Phase.VOID and reason is not None:
            raise InvalidError("a reason is given only when a round is made void", "reason")
        try:
            check_transition(Phase(row.phase), Phase(target))
        except ValueError as exc:  # PhaseError, or an unknown phase name
            known = ", ".join(p.value for p in Phase)
            problem = (
                str(exc)
                if isinstance(exc, PhaseError)
                else f"unknown phase {target!r}; phases: {known}"
            )
            raise ConflictError(problem, "phase") from None
        config = config_of(self.rounds, row)
        change: dict[str, Any] = {"from": row.phase, "to": target}
        if Phase(target) is Phase.VOTING:
            report = round_preflight(self.rounds, round_id, config)
            if not report.ready:
                raise NotReadyError(report.problems)
            change["frozen"] = frozen_settings(json.loads(row.config_json))
        if Phase(target) is Phase.PUBLISHED and self.rounds.latest_allocation(round_id) is None:
            raise ConflictError("nothing to publish: run the allocation first", "phase")
        if target == Phase.VOID:
            change["reason"] = (reason or "").strip()
        row.phase = target
        self.session.add(row)
        self.log.append(row, kinds.PHASE_CHANGED, change)
        self.session.commit()
        return RoundView(row, config)

    def preflight(self, principal: Principal, round_id: int) -> dict[str, Any]:
        """The pre-flight report: what would stop voting from opening, and what to change."""
        row = own_round(self.rounds, principal, round_id)
        if voting_has_opened(phase_of(row)):
            raise ConflictError(
                f"the pre-flight check is for rounds before voting; this one is in '{row.phase}'",
                "phase",
            )
        return round_preflight(self.rounds, round_id, config_of(self.rounds, row)).to_json(round_id)

    def void_reason(self, row: RoundRow) -> str | None:
        if phase_of(row) is not Phase.VOID:
            return None
        assert row.id is not None
        return self.rounds.void_reason(row.id)

    def allocate(
        self, principal: Principal, round_id: int, rule: str | None = None
    ) -> dict[str, Any]:
        """Run the round's declared rule on its ballots, store the outcome; returns the report.

        `rule` may only name the round's own rule: a result that could be published is
        never computed under anything but the settings the round declares.
        """
        row = own_round(self.rounds, principal, round_id, for_change=True)
        if not can_allocate(phase_of(row)):
            raise ConflictError(
                f"a round in phase '{row.phase}' cannot be allocated; close voting first", "phase"
            )
        config = config_of(self.rounds, row)
        election = self.rounds.election(round_id)
        if rule is not None and rule not in RULES:
            raise InvalidError(f"unknown rule {rule!r}; known rules: {', '.join(RULES)}", "rule")
        if rule is not None and rule != _declared(config, election):
            raise ConflictError(
                f"this round's rule is {_declared(config, election)!r}"
                + (", frozen since voting opened" if voting_has_opened(phase_of(row)) else "")
                + f"; to see what {rule!r} would do, ask for a what-if: "
                f"POST /api/v1/rounds/{round_id}/allocation/what-if",
                "rule",
            )
        votes = BallotRepository(self.session).outcome_votes(round_id)
        outcome, equalities = run_allocation(election, config, round_facts(config, votes))
        self.rounds.save_outcome(round_id, outcome, equalities)
        row.phase = Phase.ALLOCATED
        self.session.add(row)
        result = result_document(outcome, equalities)
        self.log.append(
            row,
            kinds.ALLOCATION_COMPUTED,
            {
                "rule": None,
                "settings": allocation_settings(config, outcome),
                "result": result,
                "result_hash": result_hash(result),
            },
        )
        self.session.commit()
        return _report(row, config, election, outcome, equalities=equalities, outcome_votes=votes)

    def what_if(self, principal: Principal, round_id: int, ask: WhatIf) -> dict[str, Any]:
        """The allocation another rule or fairness document would give: logged, labelled,
        stored apart from the round's results (only in the log), and never publishable."""
        row = own_round(self.rounds, principal, round_id, for_change=True)
        if not can_allocate(phase_of(row)) and phase_of(row) is not Phase.PUBLISHED:
            raise ConflictError(
                f"a what-if runs on the ballots once voting has closed; the round is in "
                f"'{row.phase}'",
                "phase",
            )
        config = config_of(self.rounds, row)
        keep = "fairness" not in ask.model_fields_set
        trial = what_if_config(config, ask.rule, ask.fairness, keep)
        election = self.rounds.election(round_id)
        votes = BallotRepository(self.session).outcome_votes(round_id)
        outcome, equalities = run_allocation(election, trial, round_facts(trial, votes))
        result = result_document(outcome, equalities)
        self.log.append(
            row,
            kinds.ALLOCATION_WHAT_IF,
            {
                "asked": ask.model_dump(mode="json", exclude_unset=True),
                "settings": allocation_settings(trial, outcome),
                "result": result,
                "result_hash": result_hash(result),
            },
        )
        self.session.commit()
        report = _report(row, trial, election, outcome, equalities=equalities, outcome_votes=votes)
        declared = _declared(config, election)
        report["what_if"] = {
            "declared_rule": declared,
            "rule": outcome.rule,
            "fairness": None if trial.fairness is None else trial.fairness.document,
            "warning": "a what-if, not this round's result: it was computed with settings "
            f"other than the round's own (its rule is {declared!r}) and can never be published",
        }
        return report

    def results(self, principal: Principal, round_id: int) -> dict[str, Any]:
        row = get_round(self.rounds, round_id)
        if not is_insider(principal, row) and not results_public(phase_of(row)):
            raise ForbiddenError("results are public once the round is published", "phase")
        latest = self.rounds.latest_allocation(round_id)
        if latest is None:
            raise ConflictError("no allocation has been run for this round yet", "allocation")
        outcome, equalities = latest
        config = config_of(self.rounds, row)
        votes = BallotRepository(self.session).outcome_votes(round_id)
        election = self.rounds.election(round_id)
        return _report(row, config, election, outcome, equalities=equalities, outcome_votes=votes)

    def export_pb(self, principal: Principal, round_id: int) -> str:
        readable_record(self.rounds, principal, round_id)
        return write_text(self.rounds.election(round_id))

    def _apply(self, row: RoundRow, config: RoundConfig) -> None:
        row.title = config.title
        row.config_json = config.model_dump_json()
        if not voting_has_opened(phase_of(row)):
            self.rounds.set_rules(
                row,
                budget=parse_amount(config.budget),
                vote_type=config.vote_type,
                rule=config.rule or "",
                limits=config.limits(),
                meta={
                    "description": config.title,
                    "unit": row.council,
                    "currency": config.currency,
                },
            )
        self.session.add(row)

    def _check_still_used(self, round_id: int, config: RoundConfig) -> None:
        """A district, category or outcome priority a project names cannot be removed."""
        districts = {d.name for d in config.districts}
        categories = set(config.categories)
        outcomes = config.outcome_keys()
        for project in self.rounds.projects(round_id):
            p = to_project(project)
            if p.district and districts and p.district not in districts:
                raise ConflictError(
                    f"project {project.project_key} is in {p.district!r}", "districts"
                )
            for c in p.categories:
                if categories and c not in categories:
                    raise ConflictError(f"project {project.project_key} is in {c!r}", "categories")
            for o in p.outcomes:
                if o not in outcomes:
                    raise ConflictError(f"project {project.project_key} serves {o!r}", "outcomes")


def _declared(config: RoundConfig, election: Election) -> str:
    """The rule a round's allocation runs, by name."""
    try:
        return config.effective_rule or declared_rule(election)
    except UnknownRuleError as exc:
        raise InvalidError(str(exc), "rule") from None


def _report(
    row: RoundRow,
    config: RoundConfig,
    election: Election,
    outcome: Outcome,
    *,
    equalities: dict[str, Any],
    outcome_votes: list[list[str]],
) -> dict[str, Any]:
    report = results_report(row, config, election, outcome, outcome_votes)
    report["equalities"] = equalities
    return report
