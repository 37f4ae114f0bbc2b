"""Paper ballots entered twice, reconciled, then counted all at once (docs/voting.md).

Council staff open a batch of paper ballots; two of them enter it, each in
paper order (pass 1 and pass 2); every position where the passes differ is
decided by staff looking at the paper; then the batch counts: each ballot is
cast by the same step as any staff entry (service/voting.py), all of them in
one transaction, followed by one `paper_batch.counted` event naming them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from pbengine.core.audit import kinds
from pbengine.core.double_entry import PaperBallot, decided
from pbengine.core.phases import Phase
from pbengine.service.access import config_of, own_round, phase_of
from pbengine.service.ballot_batch import BallotBatch
from pbengine.service.ballots import Entry
from pbengine.service.errors import (
    ConflictError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
    Principal,
)
from pbengine.service.paper_entries import (
    PAPER,
    Batch,
    BatchIn,
    DecisionIn,
    PaperBallotIn,
    PaperEntryIn,
    ballot_in,
    checked_paper_ballot,
    entry_notes,
    loaded,
    own_pass,
    pass_for,
)
from pbengine.service.paper_replies import BatchCounted, BatchSummary, BatchView, PaperEntryOut
from pbengine.service.paper_views import counted_event, entry_out, refuse_unready, summary, view
from pbengine.store.paper_batches import COUNTED, paper_ballot
from pbengine.store.tables import PaperEntryRow, RoundRow
from pbengine.store.unit_of_work import UnitOfWork

__all__ = ["BatchIn", "DecisionIn", "PaperBallotIn", "PaperBatchService", "PaperEntryIn"]


class PaperBatchService:
    def __init__(self, work: UnitOfWork | Session) -> None:
        self.uow = UnitOfWork.of(work)

    def open(self, principal: Principal, round_id: int, order: BatchIn) -> BatchSummary:
        with self._change() as uow:
            row = own_round(uow.rounds, principal, round_id, for_change=True)
            _require_voting(row)
            label = order.label.strip()
            if not label:
                raise InvalidError("a batch needs a label staff can find it by", "label")
            if uow.paper_batches.by_label(round_id, label) is not None:
                raise ConflictError(f"this round has a batch labelled {label!r} already", "label")
            staff = _staff(principal)
            opened = uow.paper_batches.open(round_id, label=label, papers=order.papers, staff=staff)
            reply = summary(loaded(uow, row, opened))
            uow.commit()
            return reply

    def batches(self, principal: Principal, round_id: int) -> list[BatchSummary]:
        with self.uow as uow:
            row = own_round(uow.rounds, principal, round_id)
            return [summary(loaded(uow, row, b)) for b in uow.paper_batches.batches(round_id)]

    def show(self, principal: Principal, round_id: int, batch_id: int) -> BatchView:
        with self.uow as uow:
            row = own_round(uow.rounds, principal, round_id)
            return view(uow, row, _batch(uow, row, batch_id), _staff(principal))

    def entries(self, principal: Principal, round_id: int, batch_id: int) -> list[PaperEntryOut]:
        """The caller's own pass, in paper order (none before they enter one)."""
        with self.uow as uow:
            row = own_round(uow.rounds, principal, round_id)
            batch = _batch(uow, row, batch_id)
            number = own_pass(batch.row, _staff(principal))
            if number is None:
                return []
            rows = batch.passes[number - 1]
            return [entry_out(e, len(rows) + 1, []) for e in rows]

    def entry(
        self, principal: Principal, round_id: int, batch_id: int, position: int
    ) -> PaperEntryOut:
        """One ballot of the caller's own pass, with what to look at again (its notes)."""
        with self.uow as uow:
            row = own_round(uow.rounds, principal, round_id)
            batch = _batch(uow, row, batch_id)
            number = own_pass(batch.row, _staff(principal))
            rows = batch.passes[number - 1] if number is not None else []
            if not 1 <= position <= len(rows):
                raise NotFoundError(f"your pass has no ballot at position {position}", "position")
            stored = rows[position - 1]
            voter = uow.ballots.voter_by_digest(stored.code_hash)
            notes = [] if voter is None else entry_notes(uow, row, batch, stored, voter)
            return entry_out(stored, len(rows) + 1, notes)

    def enter(
        self, principal: Principal, round_id: int, batch_id: int, entry: PaperEntryIn
    ) -> PaperEntryOut:
        """The next ballot of the caller's pass, checked at once."""
        with self._change() as uow:
            row, batch = _for_change(uow, principal, round_id, batch_id)
            staff = _staff(principal)
            number = pass_for(batch.row, staff, entry.pass_number)
            position = len(batch.passes[number - 1]) + 1
            papers = batch.row.papers
            if papers is not None and position > papers:
                raise ConflictError(
                    f"pass {number} holds all {papers} papers of the batch; correct an entry "
                    "instead",
                    "position",
                )
            paper, voter = checked_paper_ballot(uow, row, config_of(uow.rounds, row), entry)
            if number == 1:
                batch.row.pass_1_staff = staff
            else:
                batch.row.pass_2_staff = staff
            uow.session.add(batch.row)
            stored = uow.paper_batches.put_entry(
                None,
                batch_id=batch.id,
                pass_number=number,
                position=position,
                ballot=paper,
                staff=staff,
            )
            notes = entry_notes(uow, row, batch, stored, voter)
            reply = entry_out(stored, position + 1, notes)
            uow.commit()
            return reply

    def correct(
        self,
        principal: Principal,
        round_id: int,
        batch_id: int,
        position: int,
        ballot: PaperBallotIn,
    ) -> PaperEntryOut:
        """A ballot of the caller's own pass, entered again."""
        with self._change() as uow:
            row, batch = _for_change(uow, principal, round_id, batch_id)
            staff = _staff(principal)
            number = own_pass(batch.row, staff)
            if number is None:
                raise ForbiddenError(
                    "you have entered no pass of this batch: a pass is corrected by the staff "
                    "member who entered it",
                    "pass_number",
                )
            existing = uow.paper_batches.entry(batch.id, number, position)
            if existing is None:
                raise NotFoundError(
                    f"pass {number} has no ballot at position {position}", "position"
                )
            paper, voter = checked_paper_ballot(uow, row, config_of(uow.rounds, row), ballot)
            stored = uow.paper_batches.put_entry(
                existing,
                batch_id=batch.id,
                pass_number=number,
                position=position,
                ballot=paper,
                staff=staff,
            )
            notes = entry_notes(uow, row, batch, stored, voter)
            reply = entry_out(stored, len(batch.passes[number - 1]) + 1, notes)
            uow.commit()
            return reply

    def resolve(
        self, principal: Principal, round_id: int, batch_id: int, decision: DecisionIn
    ) -> BatchView:
        """A staff member's decision on a position, after looking at the paper."""
        with self._change() as uow:
            row, batch = _for_change(uow, principal, round_id, batch_id)
            first, second = (_at(entries, decision.position) for entries in batch.passes)
            if first is None and second is None:
                raise NotFoundError(
                    f"neither pass has a ballot at position {decision.position}", "position"
                )
            note = decision.note.strip()
            if not note:
                raise InvalidError("say what the paper shows: the note is kept", "note")
            typed = None
            if decision.choice == "typed":
                if decision.ballot is None:
                    raise InvalidError("choice typed needs the ballot as the paper reads", "ballot")
                typed, _ = checked_paper_ballot(
                    uow, row, config_of(uow.rounds, row), decision.ballot
                )
            elif decision.ballot is not None:
                raise InvalidError("a ballot goes only with choice typed", "ballot")
            staff = _staff(principal)
            made = decided(
                decision.position, first, second, decision.choice, typed, by=staff, note=note
            )
            uow.paper_batches.put_decision(batch.id, made)
            reply = view(uow, row, loaded(uow, row, batch.row), staff)
            uow.commit()
            return reply

    def count(self, principal: Principal, round_id: int, batch_id: int) -> BatchCounted:
        """Every ballot of a reconciled batch cast, all or none, with the batch's event."""
        with self._change() as uow:
            return _count(uow, principal, round_id, batch_id)

    @contextmanager
    def _change(self) -> Iterator[UnitOfWork]:
        """A change's unit of work. A race the round's lock did not serialise (a unique
        index) stores nothing and is refused, to be sent again."""
        try:
            with self.uow as uow:
                yield uow
        except IntegrityError:
            raise ConflictError(
                "another change to this batch arrived at the same moment; nothing was stored: "
                "send it again",
                "batch",
            ) from None


def _count(uow: UnitOfWork, principal: Principal, round_id: int, batch_id: int) -> BatchCounted:
    row, batch = _for_change(uow, principal, round_id, batch_id)
    refuse_unready(uow, row, batch)
    staff = _staff(principal)
    ballots = BallotBatch(uow, row)
    staged = []
    for _, paper in batch.reconciliation.ballots:
        voter = uow.ballots.voter_by_digest(paper.code)
        assert voter is not None  # checked by _refuse_unready
        staged.append(ballots.stage(Entry(voter, PAPER, staff), ballot_in(paper)))
    ballots.store()
    trackers = [s.tracker() for s in staged]
    payload = counted_event(batch, staff, trackers)
    event = uow.log.append(row, kinds.PAPER_BATCH_COUNTED, payload)
    at = datetime.fromisoformat(event.at)
    uow.paper_batches.mark_counted(batch.row, staff=staff, at=at, event=event.hash)
    reply = BatchCounted(
        batch=batch.id,
        round=round_id,
        label=batch.row.label,
        ballots=len(trackers),
        trackers=trackers,
        event=event.hash,
    )
    uow.commit()
    return reply


def _staff(principal: Principal) -> str:
    return principal.staff or "council staff"


def _require_voting(row: RoundRow) -> None:
    if phase_of(row) is not Phase.VOTING:
        raise ConflictError(
            f"paper batches are entered in phase 'voting'; the round is in '{row.phase}'", "phase"
        )


def _batch(uow: UnitOfWork, row: RoundRow, batch_id: int) -> Batch:
    assert row.id is not None
    found = uow.paper_batches.batch(row.id, batch_id)
    if found is None:
        raise NotFoundError(f"no paper batch {batch_id} in round {row.id}", "batch")
    return loaded(uow, row, found)


def _for_change(
    uow: UnitOfWork, principal: Principal, round_id: int, batch_id: int
) -> tuple[RoundRow, Batch]:
    """The round locked for change, and its open batch."""
    row = own_round(uow.rounds, principal, round_id, for_change=True)
    batch = _batch(uow, row, batch_id)
    if batch.row.status == COUNTED:
        raise ConflictError("this batch has been counted and is closed", "batch")
    _require_voting(row)
    return row, batch


def _at(entries: list[PaperEntryRow], position: int) -> PaperBallot | None:
    return paper_ballot(entries[position - 1]) if position <= len(entries) else None
