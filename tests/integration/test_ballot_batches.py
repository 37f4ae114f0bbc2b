"""Ballots cast together in one transaction (service/casting.py), on SQLite and PostgreSQL:
each gets the answer it would get alone, a refusal stores nothing of it and stops no other,
a voter's two ballots in one batch are a revote, a retried Idempotency-Key replays, and
the record replays afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from pbengine.service.audit import AuditService
from pbengine.service.ballot_box import BallotBoxes
from pbengine.service.ballot_queue import Job
from pbengine.service.cast_requests import Cast, CastRequest
from pbengine.service.casting import cast_batch
from pbengine.service.config import BallotSettings, RoundConfig
from pbengine.service.errors import ConflictError, InvalidError, Principal, UnauthorizedError
from pbengine.service.identity import VoterCode, principal_for
from pbengine.service.proposals import ProposalIn, ProposalService, ReviewIn
from pbengine.service.replay import replay
from pbengine.service.rounds import RoundService
from pbengine.service.throttle import Limit, Throttle, ThrottledError
from pbengine.service.voting import BallotIn, VoterCodesIn, VotingService
from pbengine.store.unit_of_work import UnitOfWork

STAFF = Principal(role="council", council="Batchtown", staff="Desk")
AUDITOR = Principal(role="auditor", council="Batchtown")


@pytest.fixture
def uow(engine: Engine) -> Iterator[UnitOfWork]:
    with Session(engine) as session:
        yield UnitOfWork(session)


def voting_round(uow: UnitOfWork, revote: bool) -> tuple[int, list[str]]:
    config = RoundConfig(
        title="Batches",
        budget="100",
        ballot=BallotSettings(type="approval", max_length=2),
        revote=revote,
    )
    rounds, proposals = RoundService(uow), ProposalService(uow)
    round_id = rounds.create(STAFF, config).id
    rounds.change_phase(STAFF, round_id, "proposals")
    made = [
        proposals.propose(STAFF, round_id, ProposalIn(title=f"p{i}", cost_estimate="30")).id
        for i in range(3)
    ]
    rounds.change_phase(STAFF, round_id, "review")
    for project in made:
        proposals.review(STAFF, round_id, project, ReviewIn(decision="accept", cost="30"))
    rounds.change_phase(STAFF, round_id, "voting")
    return round_id, made


def job(
    uow: UnitOfWork, round_id: int, code: str, key: str | None = None, **ballot: Any
) -> Job[CastRequest, Cast]:
    principal = principal_for(uow, code)
    return Job(CastRequest(principal, round_id, BallotIn(**ballot), key))


def answer(j: Job[CastRequest, Cast]) -> Cast | type[Exception]:
    try:
        return j.outcome()
    except (ConflictError, InvalidError) as exc:
        return type(exc)


def test_a_batch_answers_each_ballot_as_if_alone(uow: UnitOfWork) -> None:
    round_id, (a, b, c) = voting_round(uow, revote=True)
    codes = VotingService(uow).issue_codes(STAFF, round_id, VoterCodesIn(count=4))
    jobs = [
        job(uow, round_id, codes[0], projects=[a]),
        job(uow, round_id, codes[1], projects=[a, b, c]),  # above the maximum: refused
        job(uow, round_id, codes[2], "k-2", projects=[b]),
        job(uow, round_id, codes[0], projects=[c]),  # a revote within the batch
        job(uow, round_id, codes[2], "k-2", projects=[b]),  # a retry: the first reply
        job(uow, round_id, codes[3], "k-2", projects=[c]),  # the key with another request
        job(uow, round_id, codes[3], projects=["no-such-project"]),
    ]
    cast_batch(uow, BallotBoxes(), jobs)
    answers = [answer(j) for j in jobs]
    assert answers[1] is InvalidError
    assert answers[6] is InvalidError
    assert answers[5] is ConflictError
    first, revote, keyed, retry = (answers[i] for i in (0, 3, 2, 4))
    assert isinstance(first, Cast)
    assert isinstance(revote, Cast)
    assert isinstance(keyed, Cast)
    assert isinstance(retry, Cast)
    assert (first.body.ballot.projects, revote.body.ballot.projects) == ([a], [c])
    assert revote.body.replaced_earlier_ballot
    assert not first.body.replaced_earlier_ballot
    assert (retry.body, retry.replayed, keyed.replayed) == (keyed.body, True, False)

    count = VotingService(uow).count(round_id)
    assert (count.ballots, count.by_channel) == (2, {"online": 2})
    # A retry in a later transaction replays the reply kept for the key.
    again = job(uow, round_id, codes[2], "k-2", projects=[b])
    cast_batch(uow, BallotBoxes(), [again, job(uow, round_id, codes[3], projects=[a])])
    replayed = again.outcome()
    assert (replayed.body, replayed.replayed) == (keyed.body, True)
    assert VotingService(uow).count(round_id).ballots == 3
    RoundService(uow).change_phase(STAFF, round_id, "closed")
    checked = replay(AuditService(uow).record(AUDITOR, round_id).model_dump(mode="json"))
    assert checked.ok, checked.problem


def test_without_revotes_a_second_ballot_in_the_batch_is_refused_and_the_first_stands(
    uow: UnitOfWork,
) -> None:
    round_id, (a, b, _) = voting_round(uow, revote=False)
    (code,) = VotingService(uow).issue_codes(STAFF, round_id, VoterCodesIn(count=1))
    jobs = [job(uow, round_id, code, projects=[a]), job(uow, round_id, code, projects=[b])]
    cast_batch(uow, BallotBoxes(), jobs)
    assert answer(jobs[1]) is ConflictError
    cast = jobs[0].outcome()
    assert cast.body.ballot.projects == [a]
    assert VotingService(uow).count(round_id).ballots == 1


def test_a_round_that_is_not_voting_refuses_the_whole_batch(uow: UnitOfWork) -> None:
    round_id, (a, _, _) = voting_round(uow, revote=True)
    codes = VotingService(uow).issue_codes(STAFF, round_id, VoterCodesIn(count=2))
    RoundService(uow).change_phase(STAFF, round_id, "closed")
    jobs = [job(uow, round_id, code, projects=[a]) for code in codes]
    cast_batch(uow, BallotBoxes(), jobs)
    assert [answer(j) for j in jobs] == [ConflictError, ConflictError]
    assert VotingService(uow).count(round_id).ballots == 0


def test_a_batch_looks_up_its_voter_codes_and_refuses_only_the_unknown_and_throttled(
    uow: UnitOfWork,
) -> None:
    round_id, (a, b, _) = voting_round(uow, revote=True)
    codes = VotingService(uow).issue_codes(STAFF, round_id, VoterCodesIn(count=3))
    ballots = Throttle(Limit(1, 600, "this code has voted too often"))
    voter_key = principal_for(uow, codes[2]).voter_key
    assert voter_key is not None
    ballots.count(voter_key)  # this voter has used up their ballots of late

    def by_code(code: str, **ballot: Any) -> Job[CastRequest, Cast]:
        return Job(CastRequest(VoterCode(code, ballots), round_id, BallotIn(**ballot), None))

    jobs = [
        by_code(codes[0], projects=[a]),
        by_code("NOPE-NOPE-NOPE-NOPE", projects=[a]),
        by_code(codes[1], projects=[b]),
        by_code(codes[2], projects=[b]),
        by_code(codes[0], projects=[b]),  # a revote: the code looked up once serves both
    ]
    cast_batch(uow, BallotBoxes(), jobs)
    with pytest.raises(UnauthorizedError):
        jobs[1].outcome()
    with pytest.raises(ThrottledError):
        jobs[3].outcome()
    cast = [jobs[i].outcome() for i in (0, 2, 4)]
    # Each reply names its voter, whose ballot the handler then counts against the limit.
    keys = [principal_for(uow, codes[i]).voter_key for i in (0, 1, 0)]
    assert [c.voter_key for c in cast] == keys
    assert [c.body.ballot.projects for c in cast] == [[a], [b], [b]]
    assert cast[2].body.replaced_earlier_ballot
    assert VotingService(uow).count(round_id).ballots == 2
