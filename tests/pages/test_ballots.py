"""Each kind of ballot through the form: points, rankings and a single choice."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from pbengine.service.config import BallotSettings
from pbengine.service.voting import VotingService
from tests.pages.rounds import error_for, hidden_fields, voting_round

Client = TestClient[Litestar]


def cast(client: Client, round_id: int, form: dict[str, object]) -> str:
    vote = f"/rounds/{round_id}/vote"
    checked = client.post(f"{vote}/review", data=form)
    assert checked.status_code == 200, checked.text
    done = client.post(f"{vote}/cast", data=hidden_fields(checked.text, f"{vote}/cast"))
    assert done.status_code == 200, done.text
    tracker = re.search(r"<code>([0-9a-f]+)</code>", done.text)
    assert tracker
    return tracker.group(1)


def test_points_are_shared_out_within_the_limit(engine: Engine, client: Client) -> None:
    ballot = BallotSettings(type="cumulative", max_sum_points="10", outcome_vote="approval")
    round_id, (a, b, _), (code, _) = voting_round(engine, ballot)
    form = client.get(f"/rounds/{round_id}/vote").text
    assert f'name="points-{a}"' in form
    assert "Points to share out: 10 in all." in form
    assert 'name="outcome"' in form  # outcome priorities approved, not ranked

    over = client.post(
        f"/rounds/{round_id}/vote/review",
        data={"voter_code": code, f"points-{a}": "8", f"points-{b}": "5"},
    )
    assert over.status_code == 422
    assert "at most 10 points" in error_for(over.text, "projects")
    assert 'value="8"' in over.text  # the points typed stay in the form

    cast(client, round_id, {"voter_code": code, f"points-{a}": "7", f"points-{b}": "3"})
    with Session(engine) as session:
        assert VotingService(session).count(round_id).ballots == 1


def test_a_ranking_keeps_its_order(engine: Engine, client: Client) -> None:
    ballot = BallotSettings(type="ordinal", max_length=3)
    round_id, (a, b, c), (code, _) = voting_round(engine, ballot)
    form = client.get(f"/rounds/{round_id}/vote").text
    assert 'for="rank-3"' in form
    vote = f"/rounds/{round_id}/vote"
    checked = client.post(
        f"{vote}/review", data={"voter_code": code, "rank-1": c, "rank-2": a, "rank-3": ""}
    )
    assert hidden_fields(checked.text, f"{vote}/cast")["project"] == [c, a]
    twice = client.post(f"{vote}/review", data={"voter_code": code, "rank-1": b, "rank-2": b})
    assert twice.status_code == 422
    assert "only once" in error_for(twice.text, "projects")
    cast(client, round_id, {"voter_code": code, "rank-1": c, "rank-2": a})


def test_choose_one_offers_radio_buttons(engine: Engine, client: Client) -> None:
    round_id, (a, b, _), (code, _) = voting_round(engine, BallotSettings(type="choose-1"))
    form = client.get(f"/rounds/{round_id}/vote").text
    assert 'type="radio"' in form
    two = client.post(
        f"/rounds/{round_id}/vote/review", data={"voter_code": code, "project": [a, b]}
    )
    assert "Choose one project." in error_for(two.text, "projects")
    first = cast(client, round_id, {"voter_code": code, "project": a})
    # A revote from the same code replaces the first ballot, and says so.
    vote = f"/rounds/{round_id}/vote"
    checked = client.post(f"{vote}/review", data={"voter_code": code, "project": b})
    again = client.post(f"{vote}/cast", data=hidden_fields(checked.text, f"{vote}/cast"))
    assert "replaces the vote you cast earlier" in again.text
    assert first not in again.text


def test_a_cast_posted_without_review_is_checked_the_same(engine: Engine, client: Client) -> None:
    ballot = BallotSettings(type="cumulative", max_sum_points="10")
    round_id, (a, _, _), (code, _) = voting_round(engine, ballot)
    for points in ("-3", "lots", "1e999999"):
        refused = client.post(
            f"/rounds/{round_id}/vote/cast", data={"voter_code": code, f"points-{a}": points}
        )
        assert refused.status_code == 422, (points, refused.text)
        assert error_for(refused.text, "projects")
    with Session(engine) as session:
        assert VotingService(session).count(round_id).ballots == 0
