"""Residents follow the delivery of what they funded, in their language."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from pbengine.core.phases import Phase
from pbengine.service.config import BallotSettings
from pbengine.service.delivery import DeliveryService
from pbengine.service.delivery_replies import CancelIn, MilestoneIn, SpendIn
from pbengine.service.voting import BallotIn, VotingService
from tests.pages.rounds import STAFF, allocate_and_publish, move, voting_round

Client = TestClient[Litestar]


def test_the_delivery_page_follows_each_funded_project(client: Client, engine: Engine) -> None:
    round_id, projects, codes = voting_round(engine, BallotSettings(type="approval"))
    with Session(engine) as session:
        for code in codes:
            VotingService(session).cast(
                STAFF, round_id, BallotIn(voter_code=code, channel="paper", projects=projects[:2])
            )
    move(engine, round_id, Phase.CLOSED)
    before = client.get(f"/rounds/{round_id}/delivery")
    assert "once the results are published" in before.text
    allocate_and_publish(engine, round_id)
    assert f'href="/rounds/{round_id}/delivery"' in client.get(f"/rounds/{round_id}").text
    move(engine, round_id, Phase.DELIVERY)
    with Session(engine) as session:
        service = DeliveryService(session)
        milestone = MilestoneIn(title="Benches ordered", planned="2027-06-01", status="in_progress")
        service.milestone(STAFF, round_id, projects[0], milestone)
        service.spend(STAFF, round_id, projects[0], SpendIn(amount="2500", on="2027-05-02"))
        service.cancel(STAFF, round_id, projects[1], CancelIn(reason="the racks were donated"))

    page = client.get(f"/rounds/{round_id}/delivery").text
    assert "Benches ordered" in page
    assert "June 1, 2027" in page
    assert "In progress" in page
    assert "€2,500.00" in page
    assert "Why: the racks were donated" in page
    polish = client.get(f"/rounds/{round_id}/delivery", params={"lang": "pl"}).text
    assert "W realizacji" in polish
    assert "Nie zostanie zrealizowany" in polish
    assert "Will not be delivered" in page
