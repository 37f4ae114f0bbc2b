"""A round's result: its declared rule run on its ballots, what-ifs beside it, and the report.

A result that could be published only ever comes from the settings the round
declares (frozen once voting opens); another rule or fairness document is a
what-if, logged and labelled, never stored as the round's result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from pbengine.core.audit import kinds
from pbengine.core.audit.result import result_document, result_hash
from pbengine.core.election import Election
from pbengine.core.outcome import Outcome
from pbengine.core.phases import AFTER_PUBLICATION, Phase, can_allocate, results_public
from pbengine.core.rules import RULES, UnknownRuleError, declared_rule
from pbengine.service.access import config_of, get_round, is_insider, own_round, phase_of
from pbengine.service.allocation import (
    allocation_settings,
    round_facts,
    run_allocation,
    what_if_config,
)
from pbengine.service.bulk import bulk_work
from pbengine.service.config import Fairness, RoundConfig
from pbengine.service.errors import ConflictError, ForbiddenError, InvalidError, Principal
from pbengine.service.frozen import voting_has_opened
from pbengine.service.replies import ResultsReport, WhatIfLabel, WhatIfReport
from pbengine.service.reports import results_report
from pbengine.store.tables import RoundRow
from pbengine.store.unit_of_work import UnitOfWork


class WhatIf(BaseModel):
    """Another rule or fairness document to try on a round's ballots."""

    model_config = ConfigDict(extra="forbid")

    rule: str | None = Field(default=None, description="a rule name; default: the round's")
    fairness: Fairness | None = Field(
        default=None,
        description="another fairness document, or null for none; omitted: the round's own",
    )


class ResultsService:
    def __init__(self, work: UnitOfWork | Session) -> None:
        self.uow = UnitOfWork.of(work)

    def allocate(
        self, principal: Principal, round_id: int, rule: str | None = None
    ) -> ResultsReport:
        """Run the round's declared rule on its ballots and store the outcome.

        `rule` may only name the round's own rule: a result that could be published is
        never computed under anything but the settings the round declares.
        """
        with self.uow as uow, bulk_work():
            row = own_round(uow.rounds, principal, round_id)
            _check_allocatable(row)
            config = config_of(uow.rounds, row)
            election = uow.rounds.election(round_id)
            _check_rule_asked(rule, row, config, election)
            row, votes, outcome, equalities = _run_then_lock(
                uow, principal, round_id, election, config, still_allowed=_check_allocatable
            )
            uow.rounds.save_outcome(round_id, outcome, equalities)
            row.phase = Phase.ALLOCATED
            uow.log.append(
                row,
                kinds.ALLOCATION_COMPUTED,
                {"rule": None, **_logged(config, outcome, equalities)},
            )
            report = results_report(
                row, config, election, outcome, equalities=equalities, outcome_votes=votes
            )
            uow.commit()
            return report

    def what_if(self, principal: Principal, round_id: int, ask: WhatIf) -> WhatIfReport:
        """The allocation another rule or fairness document would give: logged, labelled,
        stored apart from the round's results (only in the log), and never publishable."""
        with self.uow as uow, bulk_work():
            row = own_round(uow.rounds, principal, round_id)
            _check_what_if_allowed(row)
            config = config_of(uow.rounds, row)
            keep = "fairness" not in ask.model_fields_set
            trial = what_if_config(config, ask.rule, ask.fairness, keep)
            election = uow.rounds.election(round_id)
            row, votes, outcome, equalities = _run_then_lock(
                uow, principal, round_id, election, trial, still_allowed=_check_what_if_allowed
            )
            asked = ask.model_dump(mode="json", exclude_unset=True)
            uow.log.append(
                row,
                kinds.ALLOCATION_WHAT_IF,
                {"asked": asked, **_logged(trial, outcome, equalities)},
            )
            report = results_report(
                row, trial, election, outcome, equalities=equalities, outcome_votes=votes
            )
            label = _what_if_label(_declared(config, election), trial, outcome)
            uow.commit()
            return WhatIfReport(**dict(report), what_if=label)

    def results(self, principal: Principal, round_id: int) -> ResultsReport:
        """The round's latest result, as computed when it was allocated."""
        with self.uow as uow, bulk_work():
            row = get_round(uow.rounds, round_id)
            if not is_insider(principal, row) and not results_public(phase_of(row)):
                raise ForbiddenError("results are public once the round is published", "phase")
            latest = uow.rounds.latest_allocation(round_id)
            if latest is None:
                raise ConflictError("no allocation has been run for this round yet", "allocation")
            outcome, equalities = latest
            config = config_of(uow.rounds, row)
            votes = uow.ballots.outcome_votes(round_id)
            election = uow.rounds.election(round_id)
            return results_report(
                row, config, election, outcome, equalities=equalities, outcome_votes=votes
            )


def _run_then_lock(
    uow: UnitOfWork,
    principal: Principal,
    round_id: int,
    election: Election,
    config: RoundConfig,
    *,
    still_allowed: Callable[[RoundRow], None],
) -> tuple[RoundRow, list[list[str]], Outcome, dict[str, Any]]:
    """Run the allocation under `config`, then lock the round to store or log it.

    Computed before the round is locked: a rule may run for minutes, and on SQLite the
    lock is the whole database's, which every other round's ballots need. Once voting has
    closed nothing the result depends on can change, so checking the phase again under
    the lock is enough.
    """
    votes = uow.ballots.outcome_votes(round_id)
    outcome, equalities = run_allocation(election, config, round_facts(config, votes))
    row = own_round(uow.rounds, principal, round_id, for_change=True)
    still_allowed(row)
    return row, votes, outcome, equalities


def _check_allocatable(row: RoundRow) -> None:
    if not can_allocate(phase_of(row)):
        raise ConflictError(
            f"a round in phase '{row.phase}' cannot be allocated; close voting first", "phase"
        )


def _check_what_if_allowed(row: RoundRow) -> None:
    if not can_allocate(phase_of(row)) and phase_of(row) not in AFTER_PUBLICATION:
        raise ConflictError(
            f"a what-if runs on the ballots once voting has closed; the round is in '{row.phase}'",
            "phase",
        )


def _check_rule_asked(
    rule: str | None, row: RoundRow, config: RoundConfig, election: Election
) -> None:
    """An allocation may name a rule only to confirm the round's own."""
    if rule is None:
        return
    if rule not in RULES:
        raise InvalidError(f"unknown rule {rule!r}; known rules: {', '.join(RULES)}", "rule")
    declared = _declared(config, election)
    if rule != declared:
        frozen = ", frozen since voting opened" if voting_has_opened(phase_of(row)) else ""
        raise ConflictError(
            f"this round's rule is {declared!r}{frozen}; to see what {rule!r} would do, ask "
            f"for a what-if: POST /api/v1/rounds/{row.id}/allocation/what-if",
            "rule",
        )


def _logged(config: RoundConfig, outcome: Outcome, equalities: dict[str, Any]) -> dict[str, Any]:
    """What an allocation's event records: the settings it ran under and its result."""
    result = result_document(outcome, equalities)
    return {
        "settings": allocation_settings(config, outcome),
        "result": result,
        "result_hash": result_hash(result),
    }


def _what_if_label(declared: str, trial: RoundConfig, outcome: Outcome) -> WhatIfLabel:
    return WhatIfLabel(
        declared_rule=declared,
        rule=outcome.rule,
        fairness=None if trial.fairness is None else trial.fairness.document,
        warning="a what-if, not this round's result: it was computed with settings other "
        f"than the round's own (its rule is {declared!r}) and can never be published",
    )


def _declared(config: RoundConfig, election: Election) -> str:
    """The rule a round's allocation runs, by name."""
    try:
        return config.effective_rule or declared_rule(election)
    except UnknownRuleError as exc:
        raise InvalidError(str(exc), "rule") from None
