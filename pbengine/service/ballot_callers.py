"""Who casts each ballot of a batch: its residents' voter codes are looked up together.

A batch of ballots (service/casting.py) looks up every voter code it holds in
one query, inside its own transaction, rather than each request in a
transaction of its own first (four round trips to PostgreSQL, and a third of
the server's CPU per ballot: bench/intake.py); then checks, in one look-up,
that none of its voters has voted too often of late.
"""

from __future__ import annotations

from dataclasses import replace

from pbengine.service.ballot_queue import Job
from pbengine.service.cast_requests import Cast, CastRequest
from pbengine.service.errors import Principal, ServiceError
from pbengine.service.identity import VoterCode, code_principal
from pbengine.service.throttle import Throttle
from pbengine.store.ballots import Voter
from pbengine.store.tokens import voter_code_digest
from pbengine.store.unit_of_work import UnitOfWork


def identified(
    uow: UnitOfWork, jobs: list[Job[CastRequest, Cast]]
) -> tuple[list[Job[CastRequest, Cast]], dict[str, Voter]]:
    """The jobs whose callers are known, every voter code looked up in one query, and the
    voters found, by key (the batch needs them and need not read them again). A job whose
    code is unknown, or whose voter has cast too many ballots of late, is refused."""
    digests = {
        id(job): voter_code_digest(caller.secret)
        for job in jobs
        if isinstance(caller := job.request.principal, VoterCode)
    }
    voters = uow.ballots.voters_by_digest(set(digests.values())) if digests else {}
    known = []
    for job in jobs:
        caller = job.request.principal
        if isinstance(caller, VoterCode):
            try:
                principal = code_principal(uow, caller.secret, voters.get(digests[id(job)]))
            except ServiceError as exc:
                job.error = exc
                continue
            # Known from now on, should the batch be cast again one ballot at a time.
            job.request = replace(job.request, principal=principal, ballots=caller.ballots)
        known.append(job)
    return _within_limits(known), {v.voter_key: v for v in voters.values()}


def _within_limits(jobs: list[Job[CastRequest, Cast]]) -> list[Job[CastRequest, Cast]]:
    """The jobs whose voters have not voted too often of late, checked in one look-up per
    throttle (one per app: service/throttle.py); the others are refused."""
    limited = [(job, job.request.ballots, principal_of_job(job).voter_key) for job in jobs]
    asked: dict[int, tuple[Throttle, set[str]]] = {}
    for _, throttle, key in limited:
        if throttle is not None and key is not None:
            asked.setdefault(id(throttle), (throttle, set()))[1].add(key)
    refused = {number: throttle.refusals(keys) for number, (throttle, keys) in asked.items()}
    within = []
    for job, throttle, key in limited:
        error = None
        if throttle is not None and key is not None:
            error = refused[id(throttle)].get(key)
        if error is None:
            within.append(job)
        else:
            job.error = error
    return within


def principal_of_job(job: Job[CastRequest, Cast]) -> Principal:
    principal = job.request.principal
    assert isinstance(principal, Principal), "the batch looks codes up first (identified)"
    return principal
