"""A paper batch as staff see it, and as the round's record keeps it once counted."""

from __future__ import annotations

from typing import Any

from pbengine.service.errors import ConflictError
from pbengine.service.paper_entries import Batch, own_pass, problems
from pbengine.service.paper_replies import (
    BatchSummary,
    BatchView,
    DecisionOut,
    DisagreementOut,
    PaperBallotOut,
    PaperEntryOut,
    PassOut,
)
from pbengine.store.paper_batches import COUNTED, paper_ballot
from pbengine.store.tables import PaperEntryRow, RoundRow
from pbengine.store.unit_of_work import UnitOfWork


def entry_out(row: PaperEntryRow, next_position: int, notes: list[str]) -> PaperEntryOut:
    return PaperEntryOut(
        batch=row.batch_id,
        pass_number=row.pass_number,
        position=row.position,
        ballot=PaperBallotOut.of(paper_ballot(row)),
        entered_by=row.staff,
        corrections=row.corrections,
        next_position=next_position,
        notes=notes,
    )


def summary(batch: Batch) -> BatchSummary:
    return BatchSummary(**summary_fields(batch))


def summary_fields(batch: Batch) -> dict[str, Any]:
    row, found = batch.row, batch.reconciliation
    takers = (row.pass_1_staff, row.pass_2_staff)
    return {
        "id": batch.id,
        "round": row.round_id,
        "label": row.label,
        "status": row.status,
        "papers": row.papers,
        "opened_by": row.opened_by,
        "passes": [
            PassOut(pass_number=n, staff=takers[n - 1], ballots=len(batch.passes[n - 1]))
            for n in (1, 2)
        ],
        "disagreements": len(found.disagreements),
        "unresolved": len(found.unresolved),
        "reconciled": all(batch.passes) and not found.unresolved,
        "counted_by": row.counted_by,
        "counted_at": None if row.counted_at is None else row.counted_at.isoformat(),
        "counted_ballots": len(found.ballots) if row.status == COUNTED else None,
        "counted_event": row.event_hash,
    }


def view(uow: UnitOfWork, row: RoundRow, batch: Batch, staff: str) -> BatchView:
    fields = summary_fields(batch)
    mine = own_pass(batch.row, staff)
    free = batch.row.pass_1_staff is None or batch.row.pass_2_staff is None
    blocking = [] if batch.row.status == COUNTED else problems(uow, row, batch)
    return BatchView(
        **fields,
        your_pass=mine,
        next_position=len(batch.passes[mine - 1]) + 1 if mine else (1 if free else None),
        reconciliation=[DisagreementOut.of(d) for d in batch.reconciliation.disagreements],
        decisions=[DecisionOut.of(d) for d in batch.reconciliation.decisions],
        problems=blocking,
        ready=batch.row.status != COUNTED and fields["reconciled"] and not blocking,
    )


def counted_event(batch: Batch, staff: str, trackers: list[str]) -> dict[str, Any]:
    found = batch.reconciliation
    differs = {d.position: list(d.differs) for d in found.disagreements}
    return {
        "batch": batch.id,
        "label": batch.row.label,
        "papers": batch.row.papers,
        "positions": max(len(entries) for entries in batch.passes),
        "ballots": len(trackers),
        "opened_by": batch.row.opened_by,
        "pass_1": batch.row.pass_1_staff,
        "pass_2": batch.row.pass_2_staff,
        "counted_by": staff,
        "disagreements": len(found.disagreements),
        "decisions": [
            {
                "position": d.position,
                "differs": differs.get(d.position, []),
                "choice": d.choice,
                "by": d.by,
                "note": d.note,
            }
            for d in found.decisions
        ],
        "trackers": trackers,
    }


def refuse_unready(uow: UnitOfWork, row: RoundRow, batch: Batch) -> None:
    details = [
        {
            "field": "position",
            "problem": f"position {d.position}: the passes differ ({', '.join(d.differs)})",
            "fix": "look at the paper and resolve it",
        }
        for d in batch.reconciliation.unresolved
    ]
    details += [
        {"field": p.field, "problem": p.problem, "fix": _FIXES.get(p.field, "")}
        for p in problems(uow, row, batch)
    ]
    if details:
        first = details[0]["problem"]
        more = f" (and {len(details) - 1} more problems)" if len(details) > 1 else ""
        error = ConflictError(f"the batch cannot count yet: {first}{more}", "batch")
        error.details = details
        raise error


_FIXES = {
    "voter_code": "set the paper aside (choice set_aside, with a note): a ballot that replaces "
    "one already counted is entered alone, with override and its reason",
    "pass_1": "enter the batch's papers in pass 1",
    "pass_2": "another staff member enters the batch's papers in pass 2",
}
