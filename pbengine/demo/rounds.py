"""The demo a newcomer sees first, built through the same service calls the API makes.

Round 1 goes the whole way: configured, proposals made and reviewed, voter
codes issued, ballots cast online and entered from paper, allocated and
published. Round 2 is open for voting, so a newcomer can cast a ballot with
one of the voter codes `pbengine serve --demo` prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from sqlalchemy import Engine
from sqlmodel import Session

from pbengine.core.election import Election
from pbengine.core.phases import Phase
from pbengine.formats.pabulib import read_text
from pbengine.service.config import (
    BallotSettings,
    District,
    OutcomePriority,
    RoundConfig,
)
from pbengine.service.errors import Principal
from pbengine.service.identity import principal_for
from pbengine.service.proposals import ProposalIn, ProposalService, ReviewIn
from pbengine.service.results import ResultsService
from pbengine.service.rounds import RoundService
from pbengine.service.voting import BallotIn, VoterCodesIn, VotingService
from pbengine.store.tokens import create_token

DEMO_COUNCIL = "Riverside (demo)"
STAFF = Principal(role="council", council=DEMO_COUNCIL, staff="demo clerk")

OUTCOMES = [
    OutcomePriority(key="older-people", title="Fewer isolated older people"),
    OutcomePriority(key="children", title="Safer routes to school"),
    OutcomePriority(key="young-people", title="Young people with somewhere to go"),
    OutcomePriority(key="greener", title="Greener, cooler streets"),
]
# Which outcome each demo project serves, by the beneficiaries its file names.
SERVES = {
    "older people": ["older-people"],
    "children": ["children"],
    "youth": ["young-people"],
    "families": ["greener", "children"],
    "adults": ["older-people", "young-people"],
}


@dataclass(frozen=True)
class Demo:
    published_round: int
    voting_round: int
    voter_codes: list[str]
    staff_token: str
    """A token of the demo council's staff, for the staff pages (/staff/sign-in)."""
    auditor_token: str


PUBLISHED_TITLE = "Riverside co-commissioning 2026 (demo)"
VOTING_TITLE = "Riverside 2027: try voting here (demo)"


def load_demo(engine: Engine) -> Demo:
    """The demo rounds; on a database that has them already, fresh codes for the open one.

    Voter codes are stored only as digests, so earlier codes cannot be shown again.
    """
    election = read_text((resources.files("pbengine.demo") / "demo.pb").read_text(encoding="utf-8"))
    with Session(engine) as session:
        found = {
            r.title: r
            for r in RoundService(session).all_rounds()
            if r.council == DEMO_COUNCIL and r.phase in (Phase.PUBLISHED, Phase.VOTING)
        }
        old_published, old_voting = found.get(PUBLISHED_TITLE), found.get(VOTING_TITLE)
        if old_published and old_voting and old_published.id and old_voting.id:
            codes = VotingService(session).issue_codes(STAFF, old_voting.id, VoterCodesIn(count=5))
            return Demo(old_published.id, old_voting.id, codes, *_tokens(session))
        published, _ = _round(session, election, PUBLISHED_TITLE)
        _vote(session, published, election)
        rounds = RoundService(session)
        rounds.change_phase(STAFF, published, Phase.CLOSED)
        ResultsService(session).allocate(STAFF, published)
        rounds.change_phase(STAFF, published, Phase.PUBLISHED)
        voting, _ = _round(session, election, VOTING_TITLE)
        codes = VotingService(session).issue_codes(STAFF, voting, VoterCodesIn(count=5))
        return Demo(published, voting, codes, *_tokens(session))


def _tokens(session: Session) -> tuple[str, str]:
    """Fresh tokens each time: like voter codes, tokens are stored only as digests."""
    staff = create_token(session, role="council", council=DEMO_COUNCIL, label="demo clerk")
    auditor = create_token(session, role="auditor", council=DEMO_COUNCIL, label="demo auditor")
    session.commit()
    return staff, auditor


def _round(session: Session, election: Election, title: str) -> tuple[int, dict[str, str]]:
    """A round taken from draft to voting; returns it and its project keys by demo id."""
    rounds = RoundService(session)
    round_id = rounds.create(STAFF, _config(election, title)).id
    rounds.change_phase(STAFF, round_id, Phase.PROPOSALS)
    keys, duplicate = _propose(session, round_id, election)
    rounds.change_phase(STAFF, round_id, Phase.REVIEW)
    proposals = ProposalService(session)
    for p in election.projects:
        proposals.review(STAFF, round_id, keys[p.id], ReviewIn(decision="accept", cost=str(p.cost)))
    proposals.review(
        STAFF,
        round_id,
        duplicate,
        ReviewIn(decision="merge", into=keys[election.projects[0].id]),
    )
    rounds.change_phase(STAFF, round_id, Phase.VOTING)
    return round_id, keys


def _config(election: Election, title: str) -> RoundConfig:
    districts = list(dict.fromkeys(p.district for p in election.projects if p.district))
    categories = list(dict.fromkeys(c for p in election.projects for c in p.categories))
    return RoundConfig(
        title=title,
        description="A fictional round bundled with pbengine.",
        budget=str(election.budget),
        currency="GBP",
        districts=[District(name=d, population=10_000) for d in districts],
        categories=categories,
        outcomes=OUTCOMES,
        rule="equalshares/add1",
        ballot=BallotSettings(type="approval", min_length=1, max_outcomes=2),
    )


def _propose(session: Session, round_id: int, election: Election) -> tuple[dict[str, str], str]:
    """The demo's projects as residents' proposals, and one duplicate to merge."""
    proposals = ProposalService(session)
    keys: dict[str, str] = {}
    for p in election.projects:
        made = proposals.propose(
            Principal(),
            round_id,
            ProposalIn(
                title=p.name,
                cost_estimate=str(p.cost),
                district=p.district,
                categories=list(p.categories),
                outcomes=SERVES[p.targets[0]],
            ),
        )
        keys[p.id] = made.id
    duplicate = proposals.propose(
        Principal(),
        round_id,
        ProposalIn(
            title="Lunch club for older residents",
            cost_estimate="40000",
            outcomes=["older-people"],
        ),
    )
    return keys, duplicate.id


def _vote(session: Session, round_id: int, election: Election) -> None:
    voting = VotingService(session)
    project_keys = {p.title: p.id for p in ProposalService(session).listing(STAFF, round_id)}
    by_demo_id = {p.id: project_keys[p.name] for p in election.projects}
    for ballot in election.ballots:
        district = ballot.attributes.get("district", "")
        attributes = {"district": district} if district else {}
        [code] = voting.issue_codes(STAFF, round_id, VoterCodesIn(count=1, attributes=attributes))
        # Each voter ranks the outcomes their first two projects serve.
        outcomes: list[str] = []
        for project in ballot.projects:
            for key in SERVES[election.project(project).targets[0]]:
                if key not in outcomes and len(outcomes) < 2:
                    outcomes.append(key)
        choice = BallotIn(projects=[by_demo_id[p] for p in ballot.projects], outcomes=outcomes)
        if ballot.attributes.get("voting_method") == "paper":
            staff_entry = choice.model_copy(update={"voter_code": code, "channel": "paper"})
            voting.cast(STAFF, round_id, staff_entry)
        else:
            voting.cast(principal_for(session, code), round_id, choice)
