"""Round use cases: create and configure a round, move its phases, import and export it.

The service checks who may do what; callers (the HTTP API, the CLI) only
translate requests and errors. Each call is one unit of work: it commits
once, when the change and the event recording it are both ready, and leaves
nothing behind on failure. A round's result is service/results.py's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from pbengine.core.audit import kinds
from pbengine.core.election import Election
from pbengine.core.election_json import project_to_json
from pbengine.core.money import parse_amount
from pbengine.core.phases import Phase, PhaseError, check_transition
from pbengine.formats.pabulib import write_text
from pbengine.service.access import (
    config_of,
    council_of,
    get_round,
    own_round,
    phase_of,
    readable_record,
)
from pbengine.service.config import RoundConfig, RoundPatch, validated_config
from pbengine.service.errors import ConflictError, InvalidError, Principal
from pbengine.service.events import round_settings, round_start
from pbengine.service.frozen import FROZEN, frozen_settings, voting_has_opened
from pbengine.service.imported_config import config_of_import
from pbengine.service.imports import ready_import
from pbengine.service.preflight import (
    NotReadyError,
    check_names,
    preflight_reply,
    round_preflight,
)
from pbengine.service.replies import PreflightReport, RoundSummary
from pbengine.service.signed import add_checkpoint
from pbengine.store.repository import ACCEPTED, RoundRepository, to_project
from pbengine.store.tables import RoundRow
from pbengine.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class RoundView:
    """A round as anyone may see it: its configuration, its phase, and what is frozen."""

    id: int
    council: str
    title: str
    phase: Phase
    budget: str
    rule: str
    """The rule the allocation runs (an imported round's: the one its file declares)."""
    config: RoundConfig
    frozen: tuple[str, ...]
    """The settings that can no longer change."""
    void_reason: str | None
    """Why the round was made void (phase void only)."""


class RoundService:
    def __init__(self, work: UnitOfWork | Session) -> None:
        self.uow = UnitOfWork.of(work)

    def create(self, principal: Principal, config: RoundConfig) -> RoundView:
        with self.uow as uow:
            council = council_of(principal)
            check_names(config)
            row = uow.rounds.create(council=council, title=config.title, phase=Phase.DRAFT)
            _apply(uow.rounds, row, config)
            uow.log.append(row, kinds.ROUND_CREATED, round_start(row, council))
            view = _view(uow.rounds, row, config)
            uow.commit()
            return view

    def update(self, principal: Principal, round_id: int, patch: RoundPatch) -> RoundView:
        with self.uow as uow:
            row = own_round(uow.rounds, principal, round_id, for_change=True)
            config = _patched(config_of(uow.rounds, row), patch, phase_of(row))
            check_names(config)
            _check_still_used(uow.rounds, round_id, config)
            _apply(uow.rounds, row, config)
            uow.log.append(row, kinds.ROUND_CONFIGURED, round_settings(row))
            view = _view(uow.rounds, row, config)
            uow.commit()
            return view

    def view(self, round_id: int) -> RoundView:
        with self.uow as uow:
            row = get_round(uow.rounds, round_id)
            return _view(uow.rounds, row, config_of(uow.rounds, row))

    def own_view(self, principal: Principal, round_id: int) -> RoundView:
        """The round, for its council's staff only (others: 404 as if it did not exist)."""
        with self.uow as uow:
            row = own_round(uow.rounds, principal, round_id)
            return _view(uow.rounds, row, config_of(uow.rounds, row))

    def all_rounds(self) -> list[RoundSummary]:
        with self.uow as uow:
            return [
                RoundSummary(id=r.id or 0, council=r.council, title=r.title, phase=Phase(r.phase))
                for r in uow.rounds.rounds()
            ]

    def import_pb(
        self,
        principal: Principal,
        source: str | bytes,
        title: str | None = None,
        reallocation: str | None = None,
    ) -> RoundView:
        """A closed round holding a pabulib election's projects and ballots (`source`: the
        file's text, or its UTF-8 bytes); `reallocation` names how money released after
        publication is reallocated (default: carry).

        The file is read and checked before the transaction begins (service/imports.py):
        the transaction only writes, and holds SQLite's one write lock that long only."""
        council = council_of(principal)
        ready = ready_import(source)  # PabulibError: the caller reports line and problem
        election = ready.election
        title = (title or election.meta.get("description") or "imported round")[:200]
        config = config_of_import(election, title)
        if reallocation is not None:
            config = validated_config({**config.model_dump(), "reallocation": reallocation})
        # Stored only if it reads back: a configuration that does not validate would make
        # every later request on the round fail.
        validated_config(config.model_dump(mode="json"))
        with self.uow as uow:
            round_id = uow.rounds.add(
                election,
                council=council,
                title=title,
                phase=Phase.CLOSED,
                config_json=config.model_dump_json(),
            )
            row = uow.rounds.round(round_id)
            uow.log.append_many(row, _imported_events(row, council, election))
            uow.log.append_texts(row, kinds.BALLOTS_IMPORTED, ready.batches)
            view = _view(uow.rounds, row, config)
            uow.commit()
            return view

    def change_phase(
        self, principal: Principal, round_id: int, target: str, reason: str | None = None
    ) -> RoundView:
        """One step forward, or void with a reason; voting opens only after the pre-flight."""
        with self.uow as uow:
            row = own_round(uow.rounds, principal, round_id, for_change=True)
            to = _checked_move(phase_of(row), target, reason)
            config = config_of(uow.rounds, row)
            change: dict[str, Any] = {"from": row.phase, "to": target}
            if to is Phase.VOTING:
                report = round_preflight(uow.rounds, round_id, config)
                if not report.ready:
                    raise NotReadyError(report.problems)
                change["frozen"] = frozen_settings(json.loads(row.config_json))
            if to is Phase.PUBLISHED and uow.rounds.latest_allocation(round_id) is None:
                raise ConflictError("nothing to publish: run the allocation first", "phase")
            if to is Phase.VOID:
                change["reason"] = (reason or "").strip()
            row.phase = to
            event = uow.log.append(row, kinds.PHASE_CHANGED, change)
            add_checkpoint(uow, round_id, event)
            view = _view(uow.rounds, row, config, void_reason=change.get("reason"))
            uow.commit()
            return view

    def preflight(self, principal: Principal, round_id: int) -> PreflightReport:
        """The pre-flight report: what would stop voting from opening, and what to change."""
        with self.uow as uow:
            row = own_round(uow.rounds, principal, round_id)
            if voting_has_opened(phase_of(row)):
                raise ConflictError(
                    "the pre-flight check is for rounds before voting; this one is in "
                    f"'{row.phase}'",
                    "phase",
                )
            config = config_of(uow.rounds, row)
            return preflight_reply(round_preflight(uow.rounds, round_id, config), round_id)

    def export_pb(self, principal: Principal, round_id: int) -> str:
        with self.uow as uow:
            readable_record(uow.rounds, principal, round_id)
            return write_text(uow.rounds.election(round_id))


def _view(
    rounds: RoundRepository, row: RoundRow, config: RoundConfig, void_reason: str | None = None
) -> RoundView:
    assert row.id is not None
    phase = phase_of(row)
    if phase is Phase.VOID and void_reason is None:
        void_reason = rounds.void_reason(row.id)
    return RoundView(
        id=row.id,
        council=row.council,
        title=row.title,
        phase=phase,
        budget=row.budget,
        rule=config.effective_rule or row.rule,
        config=config,
        frozen=FROZEN if voting_has_opened(phase) else (),
        void_reason=void_reason,
    )


def _patched(current: RoundConfig, patch: RoundPatch, phase: Phase) -> RoundConfig:
    """The configuration a patch makes, checked whole; frozen settings stay as they are."""
    before = current.model_dump(mode="json")
    changes = patch.model_dump(mode="json", exclude_unset=True)
    if voting_has_opened(phase):
        for key in FROZEN:
            if key in changes and changes[key] != before[key]:
                raise ConflictError(
                    f"{key!r} is frozen once voting opens (the round is in '{phase}')", key
                )
    return validated_config({**before, **changes})


def _checked_move(current: Phase, target: str, reason: str | None) -> Phase:
    """The phase a round may move to from `current`, asked for by name, with its reason."""
    if target == Phase.VOID and not (reason or "").strip():
        raise InvalidError("say why the round is void: the reason is published with it", "reason")
    if target != Phase.VOID and reason is not None:
        raise InvalidError("a reason is given only when a round is made void", "reason")
    try:
        to = Phase(target)
        check_transition(current, to)
    except ValueError as exc:  # PhaseError, or an unknown phase name
        known = ", ".join(p.value for p in Phase)
        problem = (
            str(exc)
            if isinstance(exc, PhaseError)
            else f"unknown phase {target!r}; phases: {known}"
        )
        raise ConflictError(problem, "phase") from None
    return to


def _imported_events(
    row: RoundRow, council: str, election: Election
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """An imported round's log begins with the round and each project accepted; its
    ballots follow in batches (service/imports.py)."""
    yield kinds.ROUND_IMPORTED, round_start(row, council)
    for p in election.projects:
        yield kinds.PROJECT_ADDED, {"project": project_to_json(p), "status": ACCEPTED}


def _apply(rounds: RoundRepository, row: RoundRow, config: RoundConfig) -> None:
    """Store a configuration; before voting, the election header follows it."""
    row.title = config.title
    row.config_json = config.model_dump_json()
    if not voting_has_opened(phase_of(row)):
        rounds.set_rules(
            row,
            budget=parse_amount(config.budget),
            vote_type=config.vote_type,
            rule=config.rule or "",
            limits=config.limits(),
            meta={"description": config.title, "unit": row.council, "currency": config.currency},
        )


def _check_still_used(rounds: RoundRepository, round_id: int, config: RoundConfig) -> None:
    """A district, category or outcome priority a project names cannot be removed."""
    districts = {d.name for d in config.districts}
    categories = set(config.categories)
    outcomes = config.outcome_keys()
    for project in rounds.projects(round_id):
        p = to_project(project)
        if p.district and districts and p.district not in districts:
            raise ConflictError(f"project {project.project_key} is in {p.district!r}", "districts")
        for c in p.categories:
            if categories and c not in categories:
                raise ConflictError(f"project {project.project_key} is in {c!r}", "categories")
        for o in p.outcomes:
            if o not in outcomes:
                raise ConflictError(f"project {project.project_key} serves {o!r}", "outcomes")
