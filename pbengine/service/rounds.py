"""Round use cases: import history, allocate, publish, report results, export.

The service checks who may do what; callers (the HTTP API, the CLI) only
translate requests and errors. One service call is one transaction: it
commits on success and leaves nothing behind on failure.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sqlmodel import Session

from pbengine.core.election import Election
from pbengine.core.money import plain
from pbengine.core.outcome import Outcome
from pbengine.core.phases import Phase, PhaseError, can_allocate, check_transition, results_public
from pbengine.core.rules import UnknownRuleError, allocate
from pbengine.core.scoring import project_scores
from pbengine.formats.pabulib import read_text, write_text
from pbengine.store.repository import RoundNotFoundError, RoundRepository
from pbengine.store.tables import RoundRow


@dataclass(frozen=True)
class Principal:
    """Who is calling: a council's staff, an auditor, or the public (role None)."""

    role: str | None = None
    council: str | None = None


PUBLIC = Principal()


class ServiceError(Exception):
    """A request the service refuses; `status` follows HTTP conventions."""

    status = 400

    def __init__(self, problem: str, field: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.field = field


class NotFoundError(ServiceError):
    status = 404


class ForbiddenError(ServiceError):
    status = 403


class ConflictError(ServiceError):
    status = 409


class InvalidError(ServiceError):
    status = 422


class RoundService:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.rounds = RoundRepository(session)

    def import_pb(self, principal: Principal, text: str, title: str | None = None) -> RoundRow:
        """A closed round holding a pabulib election's projects and ballots."""
        council = self._council_of(principal)
        election = read_text(text)  # PabulibError: the caller reports line and problem
        seen: set[str] = set()
        for ballot in election.ballots:
            if ballot.voter_id in seen:
                raise InvalidError(
                    f"voter {ballot.voter_id!r} has two ballots; one per voter", "body"
                )
            seen.add(ballot.voter_id)
        title = title or election.meta.get("description") or "imported round"
        round_id = self.rounds.add(election, council=council, title=title, phase=Phase.CLOSED)
        self.session.commit()
        return self.rounds.round(round_id)

    def get(self, round_id: int) -> RoundRow:
        try:
            return self.rounds.round(round_id)
        except RoundNotFoundError:
            raise NotFoundError(f"no round {round_id}", "id") from None

    def allocate(
        self, principal: Principal, round_id: int, rule: str | None = None
    ) -> dict[str, Any]:
        """Run the rule on the stored ballots, store the outcome; returns the results report."""
        row = self._own_round(principal, round_id)
        if not can_allocate(Phase(row.phase)):
            raise ConflictError(
                f"a round in phase '{row.phase}' cannot be allocated; close voting first", "phase"
            )
        election = self.rounds.election(round_id)
        try:
            outcome = allocate(election, rule)
        except UnknownRuleError as exc:
            raise InvalidError(str(exc), "rule") from None
        self.rounds.save_outcome(round_id, outcome)
        row.phase = Phase.ALLOCATED
        self.session.add(row)
        self.session.commit()
        return results_report(election, outcome, row)

    def change_phase(self, principal: Principal, round_id: int, target: str) -> RoundRow:
        row = self._own_round(principal, round_id)
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
        if Phase(target) is Phase.PUBLISHED and self.rounds.latest_outcome(round_id) is None:
            raise ConflictError("nothing to publish: run the allocation first", "phase")
        row.phase = target
        self.session.add(row)
        self.session.commit()
        return row

    def results(self, principal: Principal, round_id: int) -> dict[str, Any]:
        row = self.get(round_id)
        insider = principal.role == "auditor" or (
            principal.role == "council" and principal.council == row.council
        )
        if not insider and not results_public(Phase(row.phase)):
            raise ForbiddenError("results are public once the round is published", "phase")
        outcome = self.rounds.latest_outcome(round_id)
        if outcome is None:
            raise ConflictError("no allocation has been run for this round yet", "allocation")
        return results_report(self.rounds.election(round_id), outcome, row)

    def export_pb(self, principal: Principal, round_id: int) -> str:
        self._readable_record(principal, round_id)
        return write_text(self.rounds.election(round_id))

    def _council_of(self, principal: Principal) -> str:
        if principal.role != "council" or not principal.council:
            raise ForbiddenError("only council staff can do this", "authorization")
        return principal.council

    def _own_round(self, principal: Principal, round_id: int) -> RoundRow:
        council = self._council_of(principal)
        row = self.get(round_id)
        if row.council != council:
            # Another council's round is not revealed to exist.
            raise NotFoundError(f"no round {round_id}", "id")
        return row

    def _readable_record(self, principal: Principal, round_id: int) -> RoundRow:
        """The full record (ballots included): its council's staff and auditors."""
        if principal.role == "auditor":
            return self.get(round_id)
        return self._own_round(principal, round_id)


def results_report(election: Election, outcome: Outcome, row: RoundRow) -> dict[str, Any]:
    costs = election.costs()
    scores = project_scores(election)
    names = {p.id: p.name for p in election.projects}
    funded = set(outcome.selected)
    by_district: dict[str, Fraction] = defaultdict(Fraction)
    by_category: dict[str, Fraction] = defaultdict(Fraction)
    for p in election.projects:
        if p.id in funded:
            by_district[p.district or "(none)"] += p.cost
            for category in p.categories or ("(none)",):
                by_category[category] += p.cost
    return {
        "round": row.id,
        "phase": row.phase,
        "rule": outcome.rule,
        "budget": plain(outcome.budget),
        "total_cost": plain(outcome.total_cost(costs)),
        "selected": list(outcome.selected),
        "notes": list(outcome.notes),
        "projects": [
            {
                "id": d.project_id,
                "name": names[d.project_id],
                "cost": plain(costs[d.project_id]),
                "votes": plain(scores[d.project_id]),
                "funded": d.funded,
                "explanation": d.explanation,
            }
            for d in outcome.decisions
        ],
        "spend_by_district": {k: plain(v) for k, v in sorted(by_district.items())},
        "spend_by_category": {k: plain(v) for k, v in sorted(by_category.items())},
    }
