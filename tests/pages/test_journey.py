"""A resident's whole round through the pages, with plain form posts (no script)."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from pbengine.core.phases import Phase
from pbengine.service.config import BallotSettings
from pbengine.service.proposals import ReviewIn
from pbengine.service.results import ResultsService
from pbengine.service.rounds import RoundService
from tests.pages.rounds import (
    STAFF,
    allocate_and_publish,
    codes,
    error_for,
    hidden_fields,
    move,
    new_round,
    review,
    voting_round,
)

Client = TestClient[Litestar]

PAGES = ("", "/projects", "/propose", "/vote", "/track", "/results")


def every_page_renders(client: Client, round_id: int) -> None:
    assert client.get("/").status_code == 200
    for page in PAGES:
        response = client.get(f"/rounds/{round_id}{page}")
        assert response.status_code == 200, (page, response.text)
        assert "<main" in response.text


def propose(client: Client, round_id: int, title: str, cost: str, **more: object) -> str:
    response = client.post(
        f"/rounds/{round_id}/propose",
        data={"title": title, "cost_estimate": cost, "outcomes": ["greener"], **more},
    )
    assert response.status_code == 200, response.text
    assert "has been received" in response.text
    found = re.search(r"has the number (\S+)\.", response.text)
    assert found
    return found.group(1)


def test_a_residents_round_from_proposal_to_results(engine: Engine, client: Client) -> None:
    round_id = new_round(engine)
    every_page_renders(client, round_id)
    move(engine, round_id, Phase.PROPOSALS)
    every_page_renders(client, round_id)
    trees, crossing, pool = proposals_reviewed(engine, client, round_id)

    move(engine, round_id, Phase.VOTING)
    every_page_renders(client, round_id)
    assert "From May 1, 2027 until May 31, 2027" in client.get("/").text
    assert "Od 1 maja 2027 do 31 maja 2027" in client.get("/", params={"lang": "pl"}).text
    client.cookies.clear()
    code, _ = codes(engine, round_id, 2)
    refusals_next_to_fields(client, round_id, code, [trees, crossing, pool])
    tracker = vote_through_review(client, round_id, code, [trees, pool])
    early = client.get(f"/rounds/{round_id}/track", params={"tracker": tracker})
    assert "not published" in early.text

    move(engine, round_id, Phase.CLOSED)
    every_page_renders(client, round_id)
    counted = client.get(f"/rounds/{round_id}/track", params={"tracker": tracker})
    assert "Counted: this tracker is on the list" in counted.text
    unknown = client.get(f"/rounds/{round_id}/track", params={"tracker": "0" * 64})
    assert "Not on the list" in unknown.text

    allocate_and_publish(engine, round_id)
    every_page_renders(client, round_id)
    results = client.get(f"/rounds/{round_id}/results").text
    assert "<svg" in results
    assert 'id="chart-district-table"' in results
    # The pool does not fit beside the trees: its card says why not.
    card = results.split(f'id="result-{pool}"', 1)[1].split("</li>", 1)[0]
    assert "Not funded" in card
    assert re.search(r'<p lang="en">[^<]*\w[^<]*</p>', card)


def proposals_reviewed(engine: Engine, client: Client, round_id: int) -> list[str]:
    """Four proposals through the form; the council accepts three and rejects one."""
    # A proposal with a cost that is not an amount is refused next to the cost field.
    refused = client.post(
        f"/rounds/{round_id}/propose",
        data={"title": "Trees on Elm Street", "cost_estimate": "a lot", "outcomes": "greener"},
    )
    assert refused.status_code == 422
    assert "cost as an amount" in error_for(refused.text, "cost_estimate")
    assert 'href="#cost_estimate"' in refused.text  # the summary leads to the field
    assert 'value="Trees on Elm Street"' in refused.text  # what was typed stays

    trees = propose(client, round_id, "Trees on Elm Street", "30000", district="North")
    crossing = propose(client, round_id, "School crossing", "20000", district="South")
    pool = propose(client, round_id, "Open-air pool", "90000")
    fountain = propose(client, round_id, "Golden fountain", "50000")

    move(engine, round_id, Phase.REVIEW)
    for project, cost in ((trees, "30000"), (crossing, "20000"), (pool, "90000")):
        review(engine, round_id, project, ReviewIn(decision="accept", cost=cost))
    review(engine, round_id, fountain, ReviewIn(decision="reject", reason="not a public good"))
    listing = client.get(f"/rounds/{round_id}/projects").text
    assert "Rejected" in listing
    assert "not a public good" in listing
    north = client.get(f"/rounds/{round_id}/projects", params={"district": "North"}).text
    assert "Trees on Elm Street" in north
    assert "School crossing" not in north
    return [trees, crossing, pool]


def refusals_next_to_fields(client: Client, round_id: int, code: str, three: list[str]) -> None:
    vote = f"/rounds/{round_id}/vote"
    wrong = client.post(f"{vote}/review", data={"voter_code": "nope", "project": three[:1]})
    assert wrong.status_code == 422
    assert "do not know this voter code" in error_for(wrong.text, "voter_code")

    too_many = client.post(f"{vote}/review", data={"voter_code": code, "project": three})
    assert too_many.status_code == 422
    assert "at most 2" in error_for(too_many.text, "projects")
    assert code not in client.get(vote).text  # the code is never echoed into a fresh form


def vote_through_review(client: Client, round_id: int, code: str, projects: list[str]) -> str:
    """The form, the review page and its hidden fields, the cast: the tracker shown."""
    vote = f"/rounds/{round_id}/vote"
    checked = client.post(
        f"{vote}/review",
        data={"voter_code": code, "project": projects, "outcome-rank-1": "greener"},
    )
    assert checked.status_code == 200, checked.text
    assert "Check your vote before it is cast" in checked.text
    fields = hidden_fields(checked.text, f"{vote}/cast")
    assert fields["voter_code"] == code
    assert fields["project"] == projects
    assert fields["outcome"] == ["greener"]

    cast = client.post(f"{vote}/cast", data=fields)
    assert cast.status_code == 200, cast.text
    tracker = re.search(r'<p class="tracker"><code>([0-9a-f]+)</code>', cast.text)
    assert tracker
    # Sending the review's cast again (a reload) casts nothing new: the same tracker.
    again = client.post(f"{vote}/cast", data=fields)
    assert tracker.group(1) in again.text
    return tracker.group(1)


def test_errors_are_pages_not_tracebacks(engine: Engine, client: Client) -> None:
    missing = client.get("/rounds/9999")
    assert missing.status_code == 404
    assert "no such page or round" in missing.text
    round_id = new_round(engine)
    closed = client.post(
        f"/rounds/{round_id}/vote/review", data={"voter_code": "x", "project": "1"}
    )
    assert closed.status_code == 422
    assert "Voting is not open" in closed.text
    back = client.get(f"/rounds/{round_id}/vote/review", follow_redirects=False)
    assert back.status_code in (302, 303, 307)
    assert back.headers["location"] == f"/rounds/{round_id}/vote"
    refused = client.post(f"/rounds/{round_id}/propose", data={"title": "x"})
    assert refused.status_code == 200
    assert "does not take proposals now" in refused.text


def test_an_allocated_round_keeps_its_results_private_and_a_void_one_says_why(
    engine: Engine, client: Client
) -> None:
    allocated, _, _ = voting_round(engine, BallotSettings())
    move(engine, allocated, Phase.CLOSED)
    with Session(engine) as session:
        ResultsService(session).allocate(STAFF, allocated)
    every_page_renders(client, allocated)
    assert "not published yet" in client.get(f"/rounds/{allocated}/results").text

    void, _, _ = voting_round(engine, BallotSettings())
    with Session(engine) as session:
        RoundService(session).change_phase(STAFF, void, "void", reason="the ballot box was lost")
    every_page_renders(client, void)
    assert "the ballot box was lost" in client.get(f"/rounds/{void}").text
    assert "Cancelled" in client.get("/").text
