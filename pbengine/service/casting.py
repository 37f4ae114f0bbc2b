"""Casting a ballot: checked completely, then stored with its event in the round's log.

A ballot is checked completely before anything of it is stored
(service/ballots.py says who may cast what). It is stored under the voter's
pseudonymous key, never under their code. Ballots for one round queue on the
round's lock (docs/voting.md): the round is loaded for change before anything
else of it is read. Concurrent ballots of one process are cast together, in one
transaction (service/ballot_queue.py), whose first query looks up every
resident's voter code in the batch; a race the lock did not serialise is cast
again from the start.
"""

from __future__ import annotations

import json

from sqlalchemy.exc import IntegrityError, OperationalError

from pbengine.core.canonical import digest
from pbengine.service.access import get_round
from pbengine.service.ballot_batch import BallotBatch, Staged
from pbengine.service.ballot_box import BallotBoxes
from pbengine.service.ballot_callers import identified, principal_of_job
from pbengine.service.ballot_queue import BatchQueue, Job
from pbengine.service.ballots import Entry, entry_of, receipt
from pbengine.service.cast_requests import Cast, CastRequest
from pbengine.service.errors import ConflictError, ServiceError
from pbengine.service.replies import BallotReceipt
from pbengine.service.signed import signed_receipt
from pbengine.store.tables import RoundRow
from pbengine.store.unit_of_work import UnitOfWork

CAST_ATTEMPTS = 3
"""A ballot that loses a race on the database (possible only if the round's lock was
bypassed) is cast again from the start, this many times in all, before a 409."""
# PostgreSQL's "try again" errors: serialization failure and deadlock.
RETRYABLE_SQLSTATES = ("40001", "40P01")


class BallotQueue(BatchQueue[CastRequest, Cast]):
    """One per app (per database): ballots for one round cast together, and what they are
    checked against while the round is voting."""

    def __init__(self) -> None:
        super().__init__()
        self.boxes = BallotBoxes()


def cast_alone(work: UnitOfWork, request: CastRequest, boxes: BallotBoxes | None = None) -> Cast:
    """One ballot in a transaction of its own, cast again if it lost a race."""
    for _ in range(CAST_ATTEMPTS):
        # Each attempt is a unit of work of its own: leaving it, by a refusal, a reply
        # kept for the key or a lost race, rolls back at once and frees the round's
        # lock for the requests queued behind this one.
        job: Job[CastRequest, Cast] = Job(request)
        try:
            _cast_together(work, [job], boxes)
        except IntegrityError:
            # Another request for this voter (or with this Idempotency-Key) won: cast
            # again from the start, which now sees what it stored.
            continue
        except OperationalError as exc:
            if _worth_retrying(exc):
                continue
            if _sqlite_busy(exc):
                raise ConflictError(
                    "the round is busy with other changes; send the ballot again",
                    "voter_code",
                ) from None
            raise
        return job.outcome()
    raise ConflictError(
        "another ballot for this voter code arrived at the same moment; send it again",
        "voter_code",
    )


def cast_batch(work: UnitOfWork, boxes: BallotBoxes, jobs: list[Job[CastRequest, Cast]]) -> None:
    """Every job's ballot in one transaction, each refused or cast as it would be alone.

    A failure of the database itself (a race the lock did not serialise, a lost
    connection) undoes the batch, which is then cast again one ballot at a time, so
    that one request's trouble is no other's.
    """
    if len(jobs) > 1:
        try:
            _cast_together(work, jobs, boxes)
            return
        except (IntegrityError, OperationalError):
            pass
    for job in jobs:
        job.reply, job.error = None, None
        try:
            job.reply = cast_alone(work, job.request, boxes)
        except Exception as exc:  # each request answers for its own failure
            job.error = exc


def _cast_together(
    work: UnitOfWork, jobs: list[Job[CastRequest, Cast]], boxes: BallotBoxes | None
) -> None:
    """The jobs' ballots for one round, in one transaction, committed if the database took
    them all. A refused ballot stores nothing (it is checked completely before anything of
    it is written), so a refusal is that job's error and the others go on; the round's own
    refusals (missing, not voting) are every job's."""
    with work as uow:
        jobs, voters = identified(uow, jobs)
        if not jobs:
            return
        try:
            row = get_round(uow.rounds, jobs[0].request.round_id, for_change=True)
            residents = [principal_of_job(j).voter_key for j in jobs]
            box = (boxes or BallotBoxes()).box(uow, row)
            batch = BallotBatch(uow, row, box, [k for k in residents if k is not None], voters)
        except ServiceError as exc:
            for job in jobs:
                job.error = exc
            return
        idempotency = _Idempotency(uow, row.id or 0, jobs)
        cast: list[tuple[Job[CastRequest, Cast], Staged]] = []
        for job in jobs:
            try:
                staged = _staged(uow, row, batch, idempotency, job)
            except ServiceError as exc:
                job.error = exc
                continue
            if staged is not None:
                cast.append((job, staged))
        batch.store()
        for job, staged in cast:
            assert staged.stored is not None
            assert staged.event is not None
            signed = signed_receipt(staged.stored.round_id, staged.event)
            resident = principal_of_job(job).voter_key
            job.reply = Cast(201, receipt(staged.stored, staged.count, signed), voter_key=resident)
        idempotency.keep(cast)
        uow.commit()


def _staged(
    uow: UnitOfWork,
    row: RoundRow,
    batch: BallotBatch,
    idempotency: _Idempotency,
    job: Job[CastRequest, Cast],
) -> Staged | None:
    """The job's ballot kept for the batch, or None when the job is a retry that gets the
    reply kept for its Idempotency-Key."""
    request = job.request
    entry = entry_of(uow, principal_of_job(job), row, request.ballot, batch.voter)
    if not idempotency.first(job, entry):
        return None
    return batch.stage(entry, request.ballot)


class _Idempotency:
    """The replies kept for the batch's Idempotency-Keys, and the ones it will keep."""

    def __init__(self, uow: UnitOfWork, round_id: int, jobs: list[Job[CastRequest, Cast]]):
        self.uow, self.round_id = uow, round_id
        keys = {k for j in jobs if (k := j.request.idempotency_key) is not None}
        self.kept = uow.ballots.replies(round_id, keys) if keys else {}
        self.digests: dict[int, str] = {}
        self.here: dict[str, Job[CastRequest, Cast]] = {}
        self.retries: list[tuple[Job[CastRequest, Cast], Job[CastRequest, Cast]]] = []

    def first(self, job: Job[CastRequest, Cast], entry: Entry) -> bool:
        """Whether the job is to be cast: False when its key was used before (its reply is
        then the one kept), refused when the key came with another request."""
        key = job.request.idempotency_key
        if key is None:
            return True
        ballot = job.request.ballot.model_dump(mode="json", exclude={"voter_code"})
        request = digest({"voter": entry.voter.voter_key, "ballot": ballot})
        kept, earlier = self.kept.get(key), self.here.get(key)
        if kept is not None:
            _same_request(kept.request_digest, request)
            body = BallotReceipt.model_validate(json.loads(kept.response_json))
            job.reply = Cast(kept.status_code, body, replayed=True)
            return False
        if earlier is not None:
            _same_request(self.digests[id(earlier)], request)
            self.retries.append((job, earlier))
            return False
        self.digests[id(job)] = request
        self.here[key] = job
        return True

    def keep(self, cast: list[tuple[Job[CastRequest, Cast], Staged]]) -> None:
        """Keep the replies of the jobs cast, and answer the retries among them."""
        replies = {}
        for job, _ in cast:
            key = job.request.idempotency_key
            if key is not None and job.reply is not None:
                body = job.reply.body.model_dump(mode="json")
                replies[key] = (self.digests[id(job)], job.reply.status, body)
        self.uow.ballots.keep_replies(self.round_id, replies)
        for retry, earlier in self.retries:
            if earlier.reply is not None:
                retry.reply = Cast(earlier.reply.status, earlier.reply.body, replayed=True)
            else:
                retry.error = earlier.error


def _same_request(first: str, retry: str) -> None:
    if first != retry:
        raise ConflictError(
            "this Idempotency-Key was used for a different request", "Idempotency-Key"
        )


def _sqlite_busy(exc: OperationalError) -> bool:
    return "database is locked" in str(exc.orig) or "database is busy" in str(exc.orig)


def _worth_retrying(exc: OperationalError) -> bool:
    return getattr(exc.orig, "sqlstate", None) in RETRYABLE_SQLSTATES
