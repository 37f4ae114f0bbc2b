"""Paper ballots through the staff pages: two staff members enter a batch, one ballot per
screen; the batch's page lists every disagreement; someone decides; the batch counts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from pbengine.service.config import BallotSettings
from pbengine.service.identity import principal_for
from pbengine.service.voting import BallotIn, VotingService
from pbengine.web import create_app
from tests.pages.rounds import codes, error_for, voting_round
from tests.pages.staff import csrf, token

Client = TestClient[Litestar]


@pytest.fixture
def clerks(engine: Engine) -> Iterator[dict[str, Client]]:
    """Ana, Ben and Cara, staff of the test rounds' council, each signed in."""
    signed: dict[str, Client] = {}
    for name in ("Ana", "Ben", "Cara"):
        client = TestClient(create_app(engine))
        client.__enter__()
        answer = client.post(
            "/staff/sign-in", data={"token": token(engine, name=name)}, follow_redirects=False
        )
        assert answer.status_code == 303
        signed[name] = client
    yield signed
    for client in signed.values():
        client.__exit__(None, None, None)


def text(html: str) -> str:
    """The page's words, as a reader meets them."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" .", ".")


def open_batch(client: Client, round_id: int, label: str, papers: str = "") -> str:
    base = f"/staff/rounds/{round_id}/paper"
    form = {"csrf": csrf(client.get(base).text), "label": label, "papers": papers}
    opened = client.post(base, data=form, follow_redirects=False)
    assert opened.status_code == 303, opened.text
    return str(opened.headers["location"])


def enter(client: Client, url: str, code: str, choices: dict[str, Any]) -> str:
    """One ballot typed on the entry screen, as its form sends it; the next screen."""
    screen = client.get(f"{url}/enter").text
    shown = re.search(r'name="pass_number" value="(\d)"', screen)
    data = {"csrf": csrf(screen), "voter_code": code, **choices}
    if shown:
        data["pass_number"] = shown.group(1)
    answer = client.post(f"{url}/enter", data=data, follow_redirects=False)
    assert answer.status_code == 303, text(answer.text)
    assert "saved=" in answer.headers["location"]
    return client.get(answer.headers["location"]).text


def decide(client: Client, url: str, **form: Any) -> Any:
    return client.post(
        f"{url}/resolve", data={"csrf": csrf(client.get(url).text), **form}, follow_redirects=False
    )


def test_two_staff_enter_a_batch_reconcile_and_count_it(
    engine: Engine, clerks: dict[str, Client]
) -> None:
    round_id, projects, papers = voting_round(engine, BallotSettings(type="approval"))
    papers += codes(engine, round_id, 1)
    ana, ben = clerks["Ana"], clerks["Ben"]
    url = open_batch(ana, round_id, "Library box 3", "3")

    first = ana.get(f"{url}/enter").text
    assert "Ballot 1 of 3 (pass 1)" in text(first)
    assert re.search(r'<input id="voter_code"[^>]*autofocus', first)
    for code, chosen in zip(papers, [projects[0], projects[1], projects[2]], strict=True):
        screen = enter(ana, url, code, {"project": [chosen], "outcome": ["greener"]})
    # After each save: the next ballot, and the last one read back with its code's end.
    assert f"Saved: ballot 3, code ending {papers[2][-4:].upper()}" in text(screen)
    assert "Your pass holds all 3 papers of this batch" in text(screen)
    assert "Ballot 1 of 3 (pass 2)" in text(ben.get(f"{url}/enter").text)
    # Ben reads the second paper differently: one disagreement, on the choices.
    for code, chosen in zip(papers, [projects[0], projects[0], projects[2]], strict=True):
        enter(ben, url, code, {"project": [chosen], "outcome": ["greener"]})

    batch = ana.get(url).text
    assert batch.count('class="card disagreement') == 1
    section = text(batch.split('id="d-2"')[1].split("</section>")[0])
    assert "the choices differ" in section
    for words in ("Benches", "Bike racks", "Greener streets"):
        assert words in section
    assert "Still to decide" in section
    assert re.search(r'<button type="submit" aria-describedby="count-why" disabled>', batch)
    assert "1 disagreement is still to decide" in text(batch)
    early = ana.post(f"{url}/count", data={"csrf": csrf(batch)})
    assert early.status_code == 409
    assert "The batch cannot count yet" in text(early.text)

    # A decision needs its note: refused beside the note, the choice kept.
    unexplained = decide(ana, url, position="2", choice="pass_1", note=" ")
    assert unexplained.status_code == 422
    assert "Say what the paper shows" in error_for(unexplained.text, "d2-note")
    assert re.search(r'id="d2-pass_1"[^>]*checked', unexplained.text)
    decided = decide(ana, url, position="2", choice="pass_1", note="the paper ticks Bike racks")
    assert decided.status_code == 303, text(decided.text)
    batch = ana.get(url).text
    assert "Decided by Ana: pass 1's entry counts. Note: “the paper ticks Bike racks”" in text(
        batch
    )
    assert re.search(r'<button type="submit" aria-describedby="count-why">', batch)

    counted = ana.post(f"{url}/count", data={"csrf": csrf(batch)}, follow_redirects=False)
    assert counted.status_code == 303
    confirmation = ana.get(counted.headers["location"]).text
    assert "3 ballots from this batch now count, as paper ballots." in text(confirmation)
    assert re.search(r'<code class="hash">[0-9a-f]{64}</code>', confirmation)
    with Session(engine) as session:
        assert VotingService(session).count(round_id).by_channel == {"paper": 3}
    listing = text(ana.get(f"/staff/rounds/{round_id}/paper").text)
    assert "Counted 3 ballots · Ana" in listing
    # A counted batch takes no more entries.
    assert "This batch is counted and closed" in text(ben.get(f"{url}/enter").text)


def test_the_same_person_cannot_take_both_passes(engine: Engine, clerks: dict[str, Client]) -> None:
    round_id, projects, papers = voting_round(engine, BallotSettings(type="approval"))
    ana, ben, cara = clerks["Ana"], clerks["Ben"], clerks["Cara"]
    url = open_batch(ana, round_id, "Post")
    enter(ana, url, papers[0], {"project": [projects[0]]})
    assert "Pass 2 must be entered by another staff member" in text(ana.get(url).text)
    # Ana asks for pass 2 (as a screen opened for pass 2 would): refused, in words.
    screen = ana.get(f"{url}/enter").text
    form = {"csrf": csrf(screen), "voter_code": papers[1], "project": [projects[1]]}
    refused = ana.post(f"{url}/enter", data={**form, "pass_number": "2"})
    assert refused.status_code == 409
    assert "You are entering pass 1 of this batch. The other pass must be entered by another" in (
        text(refused.text)
    )
    assert f'value="{papers[1]}"' in refused.text  # what she typed is kept

    enter(ben, url, papers[0], {"project": [projects[0]]})
    # A third person: both passes are taken; the screen says so, and an entry is refused.
    assert "Both passes of this batch are taken (pass 1 by Ana, pass 2 by Ben)" in text(
        cara.get(f"{url}/enter").text
    )
    third = cara.post(f"{url}/enter", data={**form, "csrf": csrf(cara.get(url).text)})
    assert third.status_code == 409
    assert "Both passes of this batch are taken" in text(third.text)


def test_an_entry_is_checked_at_once_and_refused_beside_its_field(
    engine: Engine, clerks: dict[str, Client]
) -> None:
    ballot = BallotSettings(type="approval", max_length=2)
    round_id, projects, papers = voting_round(engine, ballot)
    ana = clerks["Ana"]
    url = open_batch(ana, round_id, "Desk")
    screen = ana.get(f"{url}/enter").text

    def post(code: str, ticked: list[str]) -> Any:
        data = {"csrf": csrf(screen), "voter_code": code, "project": ticked, "pass_number": "1"}
        return ana.post(f"{url}/enter", data=data)

    unknown = post("NOPE-NOPE-NOPE", [projects[0]])
    assert unknown.status_code == 422
    assert "This voter code was not issued in this round" in error_for(unknown.text, "voter_code")
    assert 'value="NOPE-NOPE-NOPE"' in unknown.text
    assert re.search(rf'value="{projects[0]}" checked', unknown.text)
    too_many = post(papers[0], projects)
    assert too_many.status_code == 422
    assert "Too many projects. Number of projects: at most 2." in error_for(
        too_many.text, "projects"
    )
    assert 'href="#projects"' in too_many.text
    assert "Type the voter code printed on the paper" in error_for(
        post("", [projects[0]]).text, "voter_code"
    )
    assert "Nothing is ticked" in error_for(post(papers[0], []).text, "projects")
    # Nothing was stored: the screen still waits for ballot 1.
    assert "Ballot 1 (pass 1)" in text(ana.get(f"{url}/enter").text)
    assert "Your pass so far" not in text(ana.get(f"{url}/enter").text)


def test_points_and_ranked_ballots_are_entered_and_compared_in_words(
    engine: Engine, clerks: dict[str, Client]
) -> None:
    points = BallotSettings(type="cumulative", max_sum_points="10")
    round_id, projects, papers = voting_round(engine, points)
    ana, ben = clerks["Ana"], clerks["Ben"]
    url = open_batch(ana, round_id, "Points")
    assert 'type="number"' in ana.get(f"{url}/enter").text
    enter(ana, url, papers[0], {f"points-{projects[0]}": "6", f"points-{projects[1]}": "4"})
    enter(ben, url, papers[0], {f"points-{projects[0]}": "4", f"points-{projects[1]}": "6"})
    section = text(ana.get(url).text.split('id="d-1"')[1].split("</section>")[0])
    assert "Benches: 6 Bike racks: 4" in section
    assert "Benches: 4 Bike racks: 6" in section

    ranked = BallotSettings(type="ordinal", max_length=2)
    round_id, projects, papers = voting_round(engine, ranked)
    url = open_batch(ana, round_id, "Ranked")
    screen = ana.get(f"{url}/enter").text
    assert screen.count('<select id="rank-') == 2
    enter(ana, url, papers[0], {"rank-1": projects[2], "rank-2": projects[0]})
    enter(ben, url, papers[0], {"rank-1": projects[0], "rank-2": projects[2]})
    section = ana.get(url).text.split('id="d-1"')[1].split("</section>")[0]
    assert "the choices differ" in text(section)
    assert "<ol" in section  # a ranking is shown in its order


def test_a_code_that_voted_online_stops_the_count_until_its_paper_is_set_aside(
    engine: Engine, clerks: dict[str, Client]
) -> None:
    round_id, projects, papers = voting_round(engine, BallotSettings(type="approval"))
    with Session(engine) as session:
        voter = principal_for(session, papers[0])
        VotingService(session).cast(voter, round_id, BallotIn(projects=[projects[0]]), None)
    ana, ben = clerks["Ana"], clerks["Ben"]
    url = open_batch(ana, round_id, "Library box 4")
    screen = enter(ana, url, papers[0], {"project": [projects[1]]})
    # While the paper is in hand: this code has voted already (the entry is kept).
    assert "Look at this paper again:" in text(screen)
    assert "has a counted online ballot" in text(screen)
    enter(ana, url, papers[1], {"project": [projects[1]]})
    for code in papers:
        enter(ben, url, code, {"project": [projects[1]]})

    batch = ana.get(url).text
    assert "The two passes agree on every ballot." in text(batch)
    assert "This voter code has already voted" in text(batch)
    assert re.search(r'aria-describedby="count-why" disabled', batch)
    assert (
        decide(ana, url, position="1", choice="set_aside", note="voted online").status_code == 303
    )
    counted = ana.post(f"{url}/count", data={"csrf": csrf(ana.get(url).text)})
    assert "1 ballot from this batch now counts, as a paper ballot." in text(counted.text)
    with Session(engine) as session:
        assert VotingService(session).count(round_id).by_channel == {"online": 1, "paper": 1}


def test_staff_correct_their_own_entry_and_decide_by_typing_the_paper(
    engine: Engine, clerks: dict[str, Client]
) -> None:
    round_id, projects, papers = voting_round(engine, BallotSettings(type="approval"))
    ana, ben = clerks["Ana"], clerks["Ben"]
    url = open_batch(ana, round_id, "Post")
    enter(ana, url, papers[0], {"project": [projects[0]]})
    enter(ana, url, papers[1], {"project": [projects[2]]})
    # Ana sees she misread paper 2: the correction screen shows her entry, she retypes it.
    screen = ana.get(f"{url}/enter/2").text
    assert "Correct ballot 2 (pass 1)" in text(screen)
    assert re.search(rf'value="{projects[2]}" checked', screen)
    fixed = ana.post(
        f"{url}/enter/2",
        data={"csrf": csrf(screen), "voter_code": papers[1], "project": [projects[1]]},
        follow_redirects=False,
    )
    assert fixed.status_code == 303
    assert "Corrected: ballot 2" in text(ana.get(fixed.headers["location"]).text)
    assert ana.get(f"{url}/enter/3").status_code == 404
    # Someone else's pass cannot be corrected from here: Ben has no pass yet.
    refused = ben.post(
        f"{url}/enter/1",
        data={"csrf": csrf(ben.get(url).text), "voter_code": papers[0], "project": [projects[0]]},
    )
    assert refused.status_code == 403
    assert "a pass is corrected only by the staff member who entered it" in text(refused.text)

    enter(ben, url, papers[0], {"project": [projects[1]]})
    enter(ben, url, papers[1], {"project": [projects[1]]})
    batch = ana.get(url).text
    assert "Ballot 1 · code ending" in text(batch)
    assert 'id="d-2"' not in batch
    decided = decide(
        ana,
        url,
        position="1",
        choice="typed",
        voter_code=papers[0],
        project=[projects[0], projects[1]],
        note="both boxes are ticked on the paper",
    )
    assert decided.status_code == 303, text(decided.text)
    assert "the ballot typed from the paper counts" in text(ana.get(url).text)
    counted = ana.post(f"{url}/count", data={"csrf": csrf(ana.get(url).text)})
    assert "2 ballots from this batch now count, as paper ballots." in text(counted.text)


def test_the_paper_pages_need_the_sessions_form_and_the_councils_staff(
    client: Client, engine: Engine, clerks: dict[str, Client]
) -> None:
    round_id, projects, papers = voting_round(engine, BallotSettings(type="approval"))
    base = f"/staff/rounds/{round_id}/paper"
    ana = clerks["Ana"]
    # Without the session's form token, nothing is done.
    assert ana.post(base, data={"label": "x"}, follow_redirects=False).status_code == 403
    url = open_batch(ana, round_id, "Box")
    form = {"voter_code": papers[0], "project": [projects[0]], "note": "n", "position": "1"}
    for action in ("enter", "enter/1", "resolve", "count"):
        assert ana.post(f"{url}/{action}", data=form).status_code == 403
    # Another council's staff: as if the round did not exist.
    other = TestClient(create_app(engine))
    with other:
        secret = token(engine, council="Elsewhere", name="Zed")
        other.post("/staff/sign-in", data={"token": secret}, follow_redirects=False)
        for path in (base, url, f"{url}/enter"):
            assert other.get(path).status_code == 404
        refused = other.post(f"{url}/count", data={"csrf": csrf(other.get("/staff").text)})
        assert refused.status_code == 404
    # Not signed in: the sign-in page.
    assert client.get(base, follow_redirects=False).status_code == 303
