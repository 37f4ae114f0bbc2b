"""The results page sets each district's spending against its population, in a chart and a
table, and says in plain words who is served and what the fairness rules did."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from pbengine.core.phases import Phase
from pbengine.service.config import District, Fairness, RoundConfig
from pbengine.service.errors import PUBLIC
from pbengine.service.identity import principal_for
from pbengine.service.proposals import ProposalIn, ProposalService, ReviewIn
from pbengine.service.voting import BallotIn, VoterCodesIn, VotingService
from tests.pages.rounds import CONFIG, STAFF, allocate_and_publish, move, new_round, review
from tests.pages.staff import sign_in

Client = TestClient[Litestar]
PROJECTS = (
    ("Trees", "30000", "North", ["parks"]),
    ("Crossing", "20000", "South", ["streets"]),
    ("Pool", "40000", None, ["parks"]),
)


def published(engine: Engine, config: RoundConfig = CONFIG) -> tuple[int, list[str]]:
    """Three projects, all funded; the city-wide pool has supporters in the North (two),
    the South (one) and one voter who did not say where they live."""
    round_id = new_round(engine, config)
    move(engine, round_id, Phase.PROPOSALS)
    with Session(engine) as session:
        ids = [
            ProposalService(session)
            .propose(
                PUBLIC,
                round_id,
                ProposalIn(
                    title=title,
                    cost_estimate=cost,
                    district=where,
                    categories=kinds,
                    outcomes=["greener"],
                ),
            )
            .id
            for title, cost, where, kinds in PROJECTS
        ]
    move(engine, round_id, Phase.REVIEW)
    for project, (_, cost, _, _) in zip(ids, PROJECTS, strict=True):
        review(engine, round_id, project, ReviewIn(decision="accept", cost=cost))
    move(engine, round_id, Phase.VOTING)
    trees, crossing, pool = ids
    for district, ballots in (
        ({"district": "North"}, [[trees, pool], [pool]]),
        ({"district": "South"}, [[crossing, pool]]),
        ({}, [[pool]]),
    ):
        with Session(engine) as session:
            order = VoterCodesIn(count=len(ballots), attributes=district)
            codes = VotingService(session).issue_codes(STAFF, round_id, order)
        for code, projects in zip(codes, ballots, strict=True):
            with Session(engine) as session:
                voter = principal_for(session, code)
                VotingService(session).cast(voter, round_id, BallotIn(projects=projects))
    move(engine, round_id, Phase.CLOSED)
    allocate_and_publish(engine, round_id)
    return round_id, ids


def table_rows(page: str, table: str) -> list[list[str]]:
    body = page.split(f'<table id="{table}">', 1)[1].split("</table>", 1)[0]
    return [
        [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1])
    ]


def test_each_districts_spending_is_set_against_its_population(
    engine: Engine, client: Client
) -> None:
    round_id, _ = published(engine)
    page = client.get(f"/rounds/{round_id}/results", params={"lang": "en"}).text
    # North: the trees (30,000) and two quarters of the pool (20,000) of 90,000 spent, for
    # 5,000 of the 12,000 residents; South: the crossing and a quarter of the pool.
    assert table_rows(page, "chart-population-table") == [
        ["North", "55.6%", "41.7%"],
        ["South", "33.3%", "58.3%"],
    ]
    assert table_rows(page, "per-resident-table") == [
        ["North", "5,000", "€10.00"],
        ["South", "7,000", "€4.29"],
    ]
    chart = page.split('id="chart-population-title"', 1)[0].rsplit("<svg", 1)[1]
    assert 'role="img"' in chart
    assert 'aria-describedby="chart-population-desc chart-population-table"' in chart
    svg = page.split('id="chart-population-title"', 1)[1].split("</svg>", 1)[0]
    assert "<desc" in svg
    assert 'fill="url(#chart-population-hatch)"' in svg  # told apart by pattern, not colour
    assert "Share of the residents" in svg  # the legend
    assert "counts towards each district in proportion to its supporters" in page
    assert "11.1% of the spending went to projects for the whole city" in page
    assert (
        "North got 55.6% of the spending and is home to 41.7% of the residents: "
        "at least its share." in page
    )
    assert "South got 33.3% of the spending and is home to 58.3% of the residents: less" in page
    assert "by where they live: North 100%; South 100%; district not given 100%." in page

    polish = client.get(f"/rounds/{round_id}/results", params={"lang": "pl"}).text
    assert table_rows(polish, "chart-population-table")[0] == ["North", "55,6%", "41,7%"]
    assert table_rows(polish, "per-resident-table")[0] == ["North", "5\u00a0000", "10,00\u00a0€"]
    assert "Share of the residents" not in polish


def test_without_populations_the_page_says_so(engine: Engine, client: Client) -> None:
    config = CONFIG.model_copy(
        update={"districts": [District(name="North"), District(name="South")]}
    )
    round_id, _ = published(engine, config)
    page = client.get(f"/rounds/{round_id}/results", params={"lang": "en"}).text
    assert "does not say how many people live in each district" in page
    assert "chart-population" not in page
    assert table_rows(page, "chart-district-table")  # spending per district is still drawn
    # With no residents to compare with, each district's voters.
    assert "and 50% of the voters live there: at least its share." in page


def test_the_fairness_rules_are_said_in_plain_words(engine: Engine, client: Client) -> None:
    # A floor for the South that only the crossing and a cap on parks that the pool breaks.
    fairness = Fairness(
        document={
            "rule": "greedy",
            "districts": {"floors": {"South": "20000"}},
            "categories": {"caps": {"parks": "35000"}},
        }
    )
    config = CONFIG.model_copy(update={"fairness": fairness})
    round_id, (_, _, pool) = published(engine, config)
    page = client.get(f"/rounds/{round_id}/results", params={"lang": "en"}).text
    points = page.split('id="h-equalities"', 1)[1]
    assert "District South was guaranteed at least €20,000.00 and got" in points
    assert "Category parks could get at most €35,000.00 and got €30,000.00." in points
    assert "Not funded because of the fairness rules, though they would have been" in points
    card = page.split(f'id="result-{pool}"', 1)[1].split("</li>", 1)[0]
    assert "Not funded because of the fairness rules: without them it would have been." in card
    assert "€40,000.00" in card  # its cost, beside its votes
    assert "Rule met" not in page  # no more engine labels


def test_staff_read_the_same_chart_before_residents(engine: Engine, client: Client) -> None:
    round_id, _ = published(engine)
    sign_in(client, engine)
    staff = client.get(f"/staff/rounds/{round_id}/allocation", params={"lang": "en"}).text
    public = client.get(f"/rounds/{round_id}/results").text
    for table in ("chart-population-table", "per-resident-table"):
        assert table_rows(staff, table) == table_rows(public, table)
    assert 'id="chart-population-title"' in staff


def test_fairness_rules_that_change_nothing_say_so(engine: Engine, client: Client) -> None:
    fairness = Fairness(document={"rule": "greedy", "categories": {"caps": {"parks": "90%"}}})
    round_id, _ = published(engine, CONFIG.model_copy(update={"fairness": fairness}))
    page = client.get(f"/rounds/{round_id}/results", params={"lang": "en"}).text
    assert "Category parks could get at most €90,000.00 and got €70,000.00." in page
    assert "The fairness rules changed nothing" in page
