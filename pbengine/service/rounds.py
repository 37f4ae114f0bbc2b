"""Round use cases: create and configure, move phases, import history, allocate, report, export.

The service checks who may do what; callers (the HTTP API, the CLI) only
translate requests and errors. One service call is one transaction: it
commits on success and leaves nothing behind on failure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from pbengine.core.audit import kinds
from pbengine.core.audit.result import result_document, result_hash
from pbengine.core.election import Election
from pbengine.core.money import parse_amount
from pbengine.core.outcome import Outcome
from pbengine.core.phases import Phase, PhaseError, can_allocate, check_transition, results_public
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
from pbengine.service.allocation import round_facts, run_allocation
from pbengine.service.config import (
    FROZEN_ONCE_VOTING,
    RoundConfig,
    RoundPatch,
    config_of_import,
    frozen_settings,
    voting_has_opened,
)
from pbengine.service.errors import ConflictError, ForbiddenError, InvalidError, Principal
from pbengine.service.events import ballot_event, round_settings
from pbengine.service.reports import results_report
from pbengine.store.ballots import BallotRepository
from pbengine.store.events import EventLog
from pbengine.store.repository import (
    ACCEPTED,
    PROPOSED,
    RoundRepository,
    to_project,
)
from pbengine.store.tables import RoundRow


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

    def change_phase(self, principal: Principal, round_id: int, target: str) -> RoundView:
        row = own_round(self.rounds, principal, round_id, for_change=True)
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
        if Phase(target) is Phase.VOTING:
            self._check_ready_to_vote(round_id, config)
        if Phase(target) is Phase.PUBLISHED and self.rounds.latest_allocation(round_id) is None:
            raise ConflictError("nothing to publish: run the allocation first", "phase")
        change: dict[str, Any] = {"from": row.phase, "to": target}
        if Phase(target) is Phase.VOTING:
            change["frozen"] = frozen_settings(json.loads(row.config_json))
        row.phase = target
        self.session.add(row)
        self.log.append(row, kinds.PHASE_CHANGED, change)
        self.session.commit()
        return RoundView(row, config)

    def allocate(
        self, principal: Principal, round_id: int, rule: str | None = None
    ) -> dict[str, Any]:
        """Run the rule on the stored ballots, store the outcome; returns the results report."""
        row = own_round(self.rounds, principal, round_id, for_change=True)
        if not can_allocate(phase_of(row)):
            raise ConflictError(
                f"a round in phase '{row.phase}' cannot be allocated; close voting first", "phase"
            )
        config = config_of(self.rounds, row)
        election = self.rounds.election(round_id)
        votes = BallotRepository(self.session).outcome_votes(round_id)
        outcome, equalities = run_allocation(election, config, rule, round_facts(config, votes))
        self.rounds.save_outcome(round_id, outcome, equalities)
        row.phase = Phase.ALLOCATED
        self.session.add(row)
        result = result_document(outcome, equalities)
        self.log.append(
            row,
            kinds.ALLOCATION_COMPUTED,
            {"rule": rule, "result": result, "result_hash": result_hash(result)},
        )
        self.session.commit()
        return _report(row, config, election, outcome, equalities=equalities, outcome_votes=votes)

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

    def _check_ready_to_vote(self, round_id: int, config: RoundConfig) -> None:
        undecided = self.rounds.projects(round_id, status=PROPOSED)
        if undecided:
            keys = ", ".join(p.project_key for p in undecided[:10])
            raise ConflictError(
                f"{len(undecided)} proposals await review (projects {keys}); "
                "accept, merge or reject each before voting opens",
                "phase",
            )
        accepted = len(self.rounds.projects(round_id, status=ACCEPTED))
        if accepted == 0:
            raise ConflictError("no accepted projects to vote on", "phase")
        fewest = config.ballot.min_length or 0
        if fewest > accepted:
            raise ConflictError(
                f"the ballot asks for at least {fewest} projects but only {accepted} are on it",
                "ballot.min_length",
            )


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


def validated_config(data: dict[str, Any]) -> RoundConfig:
    try:
        return RoundConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "body"
        raise InvalidError(str(first["msg"]).removeprefix("Value error, "), field) from None
