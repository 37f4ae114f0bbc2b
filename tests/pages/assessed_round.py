"""A round taken through voting and delivery to the residents' assessment, by the services."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session

from pbengine.core.phases import Phase
from pbengine.service.assessment import AssessmentService
from pbengine.service.assessment_replies import AssessmentCodesIn
from pbengine.service.config import BallotSettings
from pbengine.service.delivery import DeliveryService
from pbengine.service.delivery_replies import CancelIn, MilestoneIn
from pbengine.service.errors import PUBLIC
from pbengine.service.proposals import ProposalIn, ProposalService, ReviewIn
from pbengine.service.voting import BallotIn, VoterCodesIn, VotingService
from tests.pages.rounds import CONFIG, STAFF, allocate_and_publish, move, new_round, review

PROJECTS = {
    # title: the outcome priorities it serves (tests/pages/rounds.py's CONFIG)
    "Benches": ["greener"],
    "Bike racks": ["greener", "safer"],
    "Bird boxes": ["greener"],
}


@dataclass(frozen=True)
class Assessed:
    """The round, its projects' keys by title, voter codes by district, and an assessment
    code (South). Benches and bike racks were delivered; the bird boxes were cancelled."""

    id: int
    key: dict[str, str]
    codes: dict[str, list[str]]
    assessment_code: str


def delivered_round(engine: Engine, *, assessing: bool = True) -> Assessed:
    """Through delivery, then (`assessing`) into the residents' assessment."""
    ballot = BallotSettings(type="approval", max_length=3, max_outcomes=2)
    round_id = new_round(engine, CONFIG.model_copy(update={"ballot": ballot}))
    move(engine, round_id, Phase.PROPOSALS)
    with Session(engine) as session:
        key = {
            title: ProposalService(session)
            .propose(
                PUBLIC, round_id, ProposalIn(title=title, cost_estimate="10000", outcomes=outcomes)
            )
            .id
            for title, outcomes in PROJECTS.items()
        }
    move(engine, round_id, Phase.REVIEW)
    for project in key.values():
        review(engine, round_id, project, ReviewIn(decision="accept", cost="10000"))
    move(engine, round_id, Phase.VOTING)
    codes = {}
    with Session(engine) as session:
        voting = VotingService(session)
        for district, count in (("North", 2), ("South", 1)):
            order = VoterCodesIn(count=count, attributes={"district": district})
            codes[district] = voting.issue_codes(STAFF, round_id, order)
        for code in [*codes["North"], *codes["South"]]:
            paper = BallotIn(voter_code=code, channel="paper", projects=list(key.values()))
            voting.cast(STAFF, round_id, paper)
    move(engine, round_id, Phase.CLOSED)
    allocate_and_publish(engine, round_id)
    move(engine, round_id, Phase.DELIVERY)
    with Session(engine) as session:
        delivery = DeliveryService(session)
        built = MilestoneIn(title="Built", planned="2027-07-01", actual="2027-07-02")
        for title in ("Benches", "Bike racks"):
            done = built.model_copy(update={"status": "delivered"})
            delivery.milestone(STAFF, round_id, key[title], done)
        delivery.cancel(STAFF, round_id, key["Bird boxes"], CancelIn(reason="no birds nest here"))
        south = AssessmentCodesIn(count=1, district="South")
        [code] = AssessmentService(session).issue_codes(STAFF, round_id, south).codes
    if assessing:
        move(engine, round_id, Phase.ASSESSMENT)
    return Assessed(round_id, key, codes, code)
