"""The services driven directly, through the unit of work, on SQLite and PostgreSQL: no HTTP.

A round goes from draft to an allocation and a what-if, then void; each step
is checked by what the services answer and what a later call sees, never by
looking at tables. Refusals are checked to store nothing, and to leave the
round free for the next change at once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from pbengine.core.phases import Phase
from pbengine.service.audit import AuditService
from pbengine.service.config import BallotSettings, OutcomePriority, RoundConfig
from pbengine.service.errors import ConflictError, ForbiddenError, InvalidError, Principal
from pbengine.service.identity import principal_for
from pbengine.service.preflight import NotReadyError
from pbengine.service.proposals import ProposalIn, ProposalService, ReviewIn
from pbengine.service.replay import replay
from pbengine.service.results import ResultsService, WhatIf
from pbengine.service.rounds import RoundService
from pbengine.service.voting import BallotIn, VoterCodesIn, VotingService
from pbengine.store.unit_of_work import UnitOfWork

STAFF = Principal(role="council", council="Riverside", staff="Sam at the desk")
AUDITOR = Principal(role="auditor", council="Riverside")
PUBLIC = Principal()

CONFIG = RoundConfig(
    title="Services 2027",
    budget="100",
    outcomes=[
        OutcomePriority(key="parks", title="Parks"),
        OutcomePriority(key="safe", title="Safe streets"),
    ],
    ballot=BallotSettings(type="approval", max_length=2),
    rule="equalshares/add1",
)
# Greedy funds the two favourites; Equal Shares gives the cohesive minority its project.
PROJECTS = [("big-1", "40", "parks"), ("big-2", "40", "parks"), ("small", "30", "safe")]


@pytest.fixture
def uow(engine: Engine) -> Iterator[UnitOfWork]:
    with Session(engine) as session:
        yield UnitOfWork(session)


def open_round(uow: UnitOfWork) -> tuple[int, list[str]]:
    """A round with three accepted projects, open for voting; its id and project ids."""
    rounds, proposals = RoundService(uow), ProposalService(uow)
    view = rounds.create(STAFF, CONFIG)
    assert (view.phase, view.frozen, view.void_reason) == (Phase.DRAFT, (), None)
    rounds.change_phase(STAFF, view.id, "proposals")
    made = [
        proposals.propose(
            PUBLIC,
            view.id,
            ProposalIn(title=title, cost_estimate=cost, outcomes=[outcome], proposer="Ann"),
        )
        for title, cost, outcome in PROJECTS
    ]
    assert [p.status for p in made] == ["proposed"] * 3
    rounds.change_phase(STAFF, view.id, "review")
    for project, (_, cost, _) in zip(made, PROJECTS, strict=True):
        proposals.review(STAFF, view.id, project.id, ReviewIn(decision="accept", cost=cost))
    return view.id, [p.id for p in made]


def test_a_round_from_draft_to_what_if_and_void(uow: UnitOfWork) -> None:
    rounds, results = RoundService(uow), ResultsService(uow)
    round_id, (big1, big2, small) = open_round(uow)
    assert rounds.preflight(STAFF, round_id).ready
    opened = rounds.change_phase(STAFF, round_id, "voting")
    assert opened.phase is Phase.VOTING
    assert {"budget", "rule", "ballot"} <= set(opened.frozen)

    voting = VotingService(uow)
    codes = voting.issue_codes(STAFF, round_id, VoterCodesIn(count=10))
    for code in codes[:6]:
        cast = voting.cast(principal_for(uow, code), round_id, BallotIn(projects=[big1, big2]))
        assert (cast.status, cast.body.channel) == (201, "online")
    for code in codes[6:9]:
        voting.cast(principal_for(uow, code), round_id, BallotIn(projects=[small]))
    paper = BallotIn(projects=[small], outcomes=["safe"], voter_code=codes[9], channel="paper")
    assert voting.cast(STAFF, round_id, paper).body.channel == "paper"
    count = voting.count(round_id)
    assert (count.ballots, count.by_channel, count.voter_codes_issued) == (
        10,
        {"online": 9, "paper": 1},
        10,
    )

    rounds.change_phase(STAFF, round_id, "closed")
    with pytest.raises(ConflictError) as refused:
        results.allocate(STAFF, round_id, rule="greedy")
    assert refused.value.field == "rule"
    report = results.allocate(STAFF, round_id)
    assert (report.phase, report.rule, report.ballots) == (Phase.ALLOCATED, "equalshares/add1", 10)
    assert small in report.selected
    assert {p.id: p.funded for p in report.projects}[small]
    assert {o.key: o.ballots for o in report.outcome_votes} == {"parks": 0, "safe": 1}

    what_if = results.what_if(STAFF, round_id, WhatIf(rule="greedy"))
    assert (what_if.rule, set(what_if.selected)) == ("greedy", {big1, big2})
    assert what_if.what_if.declared_rule == "equalshares/add1"
    # A what-if is never the round's result.
    assert results.results(AUDITOR, round_id).selected == report.selected
    assert rounds.view(round_id).phase is Phase.ALLOCATED

    with pytest.raises(InvalidError):
        rounds.change_phase(STAFF, round_id, "void")
    reason = "two projects shared a ballot line"
    voided = rounds.change_phase(STAFF, round_id, "void", reason=reason)
    assert (voided.phase, voided.void_reason) == (Phase.VOID, reason)
    assert rounds.view(round_id).void_reason == reason
    with pytest.raises(ConflictError):
        results.allocate(STAFF, round_id)

    record = AuditService(uow).record(AUDITOR, round_id)
    assert [e.type for e in record.events][-2:] == ["allocation.what_if", "phase.changed"]
    checked = replay(record.model_dump(mode="json"))
    assert checked.ok, checked.problem
    assert checked.result_hash == record.result_hash


def test_voting_opens_only_after_the_preflight(uow: UnitOfWork) -> None:
    rounds, proposals = RoundService(uow), ProposalService(uow)
    view = rounds.create(STAFF, CONFIG)
    rounds.change_phase(STAFF, view.id, "proposals")
    project = proposals.propose(
        PUBLIC, view.id, ProposalIn(title="p", cost_estimate="10", outcomes=["parks"])
    )
    rounds.change_phase(STAFF, view.id, "review")
    report = rounds.preflight(STAFF, view.id)
    assert not report.ready
    assert [p.field for p in report.problems] == ["projects", "projects"]
    with pytest.raises(NotReadyError) as refused:
        rounds.change_phase(STAFF, view.id, "voting")
    assert [p["field"] for p in refused.value.details] == ["projects", "projects"]
    assert rounds.view(view.id).phase is Phase.REVIEW  # nothing moved

    proposals.review(STAFF, view.id, project.id, ReviewIn(decision="accept", cost="10"))
    assert rounds.change_phase(STAFF, view.id, "voting").phase is Phase.VOTING
    with pytest.raises(ConflictError):
        rounds.preflight(STAFF, view.id)


def test_revotes_refusals_and_retries(uow: UnitOfWork) -> None:
    rounds, voting = RoundService(uow), VotingService(uow)
    round_id, (big1, _, small) = open_round(uow)
    rounds.change_phase(STAFF, round_id, "voting")
    resident, other = voting.issue_codes(STAFF, round_id, VoterCodesIn(count=2))
    me = principal_for(uow, resident)

    first = voting.cast(me, round_id, BallotIn(projects=[big1], outcomes=["safe"]))
    revote = voting.cast(me, round_id, BallotIn(projects=[small]))
    assert revote.body.replaced_earlier_ballot
    assert revote.body.kept_from_earlier_ballot == ["outcomes"]
    assert revote.body.ballot.outcomes == ["safe"]
    assert revote.body.tracker != first.body.tracker

    # Refused, and not stored: a staff entry over an online ballot, a ballot over the
    # ballot's limit, an auditor entering a ballot.
    entry = BallotIn(projects=[big1], voter_code=resident, channel="paper")
    with pytest.raises(ConflictError) as used:
        voting.cast(STAFF, round_id, entry)
    assert "online ballot was cast" in used.value.problem
    with pytest.raises(InvalidError):
        voting.cast(me, round_id, BallotIn(projects=[big1, small, big1]))
    with pytest.raises(ForbiddenError):
        voting.cast(AUDITOR, round_id, entry)
    assert voting.count(round_id).ballots == 1

    # The same request under one Idempotency-Key: cast once, then the same reply again.
    ballot = BallotIn(projects=[small])
    sent = voting.cast(principal_for(uow, other), round_id, ballot, "phone-1")
    again = voting.cast(principal_for(uow, other), round_id, ballot, "phone-1")
    assert (sent.replayed, again.replayed, again.body) == (False, True, sent.body)
    with pytest.raises(ConflictError):
        voting.cast(principal_for(uow, other), round_id, BallotIn(projects=[big1]), "phone-1")
    assert voting.count(round_id).ballots == 2


def test_a_refusal_frees_the_round_at_once(engine: Engine, uow: UnitOfWork) -> None:
    """A refused change ends its transaction on the spot: a change from another session
    does not wait for the refused caller to close theirs (on SQLite it would wait 20 s)."""
    round_id, (big1, _, _) = open_round(uow)
    RoundService(uow).change_phase(STAFF, round_id, "voting")
    voting = VotingService(uow)
    code, late = voting.issue_codes(STAFF, round_id, VoterCodesIn(count=2))
    voting.cast(principal_for(uow, code), round_id, BallotIn(projects=[big1]))
    with pytest.raises(ConflictError):  # uow's session stays open below
        voting.cast(STAFF, round_id, BallotIn(projects=[big1], voter_code=code, channel="paper"))

    def elsewhere() -> int:
        with Session(engine) as session:
            voter = principal_for(session, late)
            return VotingService(session).cast(voter, round_id, BallotIn(projects=[big1])).status

    started = time.monotonic()
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        assert pool.submit(elsewhere).result(timeout=10) == 201
    finally:
        # Not waiting: a cast stuck behind the lock is freed when this test's session closes.
        pool.shutdown(wait=False)
    assert time.monotonic() - started < 5
    assert voting.count(round_id).ballots == 2


def test_leaving_a_unit_of_work_without_a_commit_stores_nothing(
    engine: Engine, uow: UnitOfWork
) -> None:
    before = len(RoundService(uow).all_rounds())
    with uow:
        row = uow.rounds.create(council="Riverside", title="never", phase=Phase.DRAFT)
        uow.log.append(row, "round.created", {"council": "Riverside"})
    with Session(engine) as session:
        assert len(RoundService(session).all_rounds()) == before
    created = RoundService(uow).create(STAFF, CONFIG)
    assert [r.id for r in RoundService(uow).all_rounds()][-1] == created.id
