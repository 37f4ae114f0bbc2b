"""Rounds in the database, mapped to and from the core's Election and Outcome."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict
from fractions import Fraction
from typing import Any

from sqlalchemy import func, insert
from sqlmodel import Session, col, select

from pbengine.core.audit import kinds
from pbengine.core.election import Ballot, BallotLimits, Election, Project, VoteType
from pbengine.core.election_json import (
    ballot_from_json,
    election_from_json,
    header_of,
    limits_to_json,
    points_to_json,
)
from pbengine.core.money import parse_amount, plain
from pbengine.core.outcome import Decision, Outcome
from pbengine.store.imported import imported_ballots, imported_count
from pbengine.store.tables import AllocationRow, BallotRow, EventRow, ProjectRow, RoundRow

# A project's review status.
PROPOSED = "proposed"
ACCEPTED = "accepted"
REJECTED = "rejected"
MERGED = "merged"


class RoundNotFoundError(LookupError):
    pass


class RoundRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self, election: Election, *, council: str, title: str, phase: str, config_json: str = "{}"
    ) -> int:
        """Store an election as a round; returns its id. Nothing is committed here."""
        row = RoundRow(
            council=council,
            title=title,
            phase=phase,
            config_json=config_json,
            budget="0",
            vote_type="approval",
            rule="",
        )
        set_header(row, header_of(election))
        self.session.add(row)
        self.session.flush()
        assert row.id is not None
        round_id = row.id
        if election.projects:
            self.session.execute(
                insert(ProjectRow),
                [
                    {
                        "round_id": round_id,
                        "position": i,
                        "project_key": p.id,
                        "cost": plain(p.cost),
                        "attributes_json": json.dumps(dict(p.attributes), ensure_ascii=False),
                    }
                    for i, p in enumerate(election.projects)
                ],
            )
        if election.ballots:
            self.session.execute(
                insert(BallotRow),
                [_ballot_row(round_id, i, b) for i, b in enumerate(election.ballots)],
            )
        return round_id

    def create(self, *, council: str, title: str, phase: str) -> RoundRow:
        """An empty round; set_rules gives it its budget, ballot and rule."""
        row = RoundRow(
            council=council, title=title, phase=phase, budget="0", vote_type="approval", rule=""
        )
        self.session.add(row)
        # Its id now: the round's first event names it.
        self.session.flush()
        return row

    def set_rules(
        self,
        row: RoundRow,
        *,
        budget: Fraction,
        vote_type: VoteType,
        rule: str,
        limits: BallotLimits,
        meta: dict[str, str],
    ) -> None:
        """The columns an election is rebuilt from, kept in step with the round's config."""
        set_header(
            row,
            {
                **header_json(row),  # the threshold and exclusive sets stay as they are
                "budget": plain(budget),
                "vote_type": vote_type.value,
                "rule": rule,
                "limits": limits_to_json(limits),
                "meta": meta,
            },
        )
        self.session.add(row)

    def rounds(self) -> list[RoundRow]:
        return list(self.session.exec(select(RoundRow).order_by(col(RoundRow.id))).all())

    def round(self, round_id: int, *, for_change: bool = False) -> RoundRow:
        """`for_change`: locked until the transaction ends, so that the changes to one
        round, and the events that record them, queue up instead of racing (SELECT … FOR
        UPDATE on PostgreSQL; on SQLite the same statement starts BEGIN IMMEDIATE, see
        store/database.py)."""
        row = self.session.get(
            RoundRow, round_id, with_for_update=for_change or None, populate_existing=for_change
        )
        if row is None:
            raise RoundNotFoundError(round_id)
        return row

    def void_reason(self, round_id: int) -> str | None:
        """Why the round was made void: the reason its last phase change records."""
        text = self.session.exec(
            select(EventRow.payload_json)
            .where(EventRow.round_id == round_id, EventRow.type == kinds.PHASE_CHANGED)
            .order_by(col(EventRow.height).desc())
            .limit(1)
        ).first()
        reason = None if text is None else json.loads(text).get("reason")
        return None if reason is None else str(reason)

    def election(self, round_id: int) -> Election:
        """The round's election, exactly as it was stored: its accepted projects and ballots."""
        row = self.round(round_id)
        projects = self.projects(round_id, status=ACCEPTED)
        # Columns, not ORM rows: a city's 90,000 ballots built as mapped objects took 3.9 s of
        # an allocation whose rule runs in 0.2 s (issue 16).
        rows = self.session.exec(
            select(
                BallotRow.voter_key,
                BallotRow.projects_json,
                BallotRow.points_json,
                BallotRow.attributes_json,
            )
            .where(BallotRow.round_id == round_id)
            .order_by(col(BallotRow.position))
        ).all()
        # An imported round's ballots are in its log alone (core/imported_ballots.py); a
        # live round's, and those of rounds imported before, are rows.
        ballots = [*imported_ballots(self.session, round_id), *(_ballot(*b) for b in rows)]
        return election_from_json(header_json(row), (to_project(p) for p in projects), ballots)

    def projects(self, round_id: int, status: str | None = None) -> list[ProjectRow]:
        query = select(ProjectRow).where(ProjectRow.round_id == round_id)
        if status is not None:
            query = query.where(ProjectRow.status == status)
        return list(self.session.exec(query.order_by(col(ProjectRow.position))).all())

    def project(self, round_id: int, key: str) -> ProjectRow | None:
        return self.session.exec(
            select(ProjectRow).where(ProjectRow.round_id == round_id, ProjectRow.project_key == key)
        ).first()

    def add_proposal(
        self,
        round_id: int,
        *,
        cost_estimate: Fraction,
        attributes: dict[str, str],
        proposer: str | None,
    ) -> ProjectRow:
        """A resident's proposal, awaiting review; its key is its row id, unique and stable."""
        row = ProjectRow(
            round_id=round_id,
            position=0,
            project_key=f"pending-{uuid.uuid4().hex}",
            cost=plain(cost_estimate),
            cost_estimate=plain(cost_estimate),
            attributes_json=json.dumps(attributes, ensure_ascii=False),
            status=PROPOSED,
            proposer=proposer,
        )
        self.session.add(row)
        self.session.flush()
        assert row.id is not None
        row.project_key = str(row.id)
        row.position = row.id
        self.session.add(row)
        return row

    def count_ballots(self, round_id: int) -> dict[str, int]:
        """Ballots counted in the round, by channel."""
        rows = self.session.exec(
            select(BallotRow.channel, func.count())
            .where(BallotRow.round_id == round_id)
            .group_by(col(BallotRow.channel))
        ).all()
        counted = {channel: int(n) for channel, n in rows}
        imported = imported_count(self.session, round_id)
        if imported:
            counted["import"] = counted.get("import", 0) + imported
        return counted

    def save_outcome(
        self, round_id: int, outcome: Outcome, report: dict[str, Any] | None = None
    ) -> None:
        self.session.add(
            AllocationRow(
                round_id=round_id,
                rule=outcome.rule,
                selected_json=json.dumps(list(outcome.selected)),
                decisions_json=json.dumps(
                    [asdict(d) for d in outcome.decisions], ensure_ascii=False
                ),
                notes_json=json.dumps(list(outcome.notes), ensure_ascii=False),
                report_json=json.dumps(report or {}, ensure_ascii=False),
            )
        )

    def latest_allocation(self, round_id: int) -> tuple[Outcome, dict[str, Any]] | None:
        """The round's latest outcome and the report stored with it; None before any."""
        row = self.session.exec(
            select(AllocationRow)
            .where(AllocationRow.round_id == round_id)
            .order_by(col(AllocationRow.id).desc())
        ).first()
        if row is None:
            return None
        outcome = Outcome(
            rule=row.rule,
            budget=parse_amount(self.round(round_id).budget),
            selected=tuple(json.loads(row.selected_json)),
            decisions=tuple(Decision(**d) for d in json.loads(row.decisions_json)),
            notes=tuple(json.loads(row.notes_json)),
        )
        return outcome, dict(json.loads(row.report_json))


def header_json(row: RoundRow) -> dict[str, Any]:
    """The round's election header, as core.election_json.header_of gives it."""
    return {
        "budget": row.budget,
        "vote_type": row.vote_type,
        "rule": row.rule,
        "limits": json.loads(row.limits_json),
        "score_threshold": row.score_threshold,
        "meta": json.loads(row.meta_json),
        "exclusive_sets": json.loads(row.exclusive_json),
    }


def set_header(row: RoundRow, header: dict[str, Any]) -> None:
    row.budget = header["budget"]
    row.vote_type = header["vote_type"]
    row.rule = header["rule"]
    row.limits_json = json.dumps(header["limits"])
    row.score_threshold = header["score_threshold"]
    row.meta_json = json.dumps(header["meta"], ensure_ascii=False)
    row.exclusive_json = json.dumps(header["exclusive_sets"])


def to_project(row: ProjectRow) -> Project:
    return Project(row.project_key, parse_amount(row.cost), json.loads(row.attributes_json))


def _ballot_row(round_id: int, position: int, ballot: Ballot) -> dict[str, Any]:
    return {
        "round_id": round_id,
        "position": position,
        "voter_key": ballot.voter_id,
        "projects_json": json.dumps(list(ballot.projects), ensure_ascii=False),
        "points_json": None if ballot.points is None else json.dumps(points_to_json(ballot.points)),
        "attributes_json": json.dumps(dict(ballot.attributes), ensure_ascii=False),
        "channel": "import",
    }


def _ballot(
    voter_key: str, projects_json: str, points_json: str | None, attributes_json: str
) -> Ballot:
    points = None if points_json is None else json.loads(points_json)
    return ballot_from_json(
        voter_key, json.loads(projects_json), points, json.loads(attributes_json)
    )
