"""Paper ballots through the staff pages: two staff members enter a batch, reconcile, count."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from pbengine.service.config import BallotSettings
from pbengine.service.voting import VotingService
from pbengine.web import create_app
from tests.pages.rounds import codes, voting_round
from tests.pages.staff import csrf, token

Client = TestClient[Litestar]


def signed_in(engine: Engine, name: str) -> Client:
    client = TestClient(create_app(engine))
    client.__enter__()
    answer = client.post(
        "/staff/sign-in", data={"token": token(engine, name=name)}, follow_redirects=False
    )
    assert answer.status_code == 303
    return client


def enter(client: Client, url: str, code: str, projects: list[str]) -> None:
    screen = client.get(f"{url}/enter").text
    answer = client.post(
        f"{url}/enter",
        data={"csrf": csrf(screen), "voter_code": code, "project": projects},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert "saved=" in answer.headers["location"]


def test_two_staff_enter_a_batch_reconcile_and_count_it(engine: Engine) -> None:
    round_id, projects, first_codes = voting_round(engine, BallotSettings(type="approval"))
    papers = [*first_codes, *codes(engine, round_id, 1)]
    ana, ben = signed_in(engine, "Ana"), signed_in(engine, "Ben")
    base = f"/staff/rounds/{round_id}/paper"

    listing = ana.get(base).text
    # No label: refused next to the field, nothing opened.
    refused = ana.post(base, data={"csrf": csrf(listing), "label": ""}, follow_redirects=False)
    assert refused.status_code == 422
    assert 'href="#label"' in refused.text
    bad_count = ana.post(
        base, data={"csrf": csrf(listing), "label": "x", "papers": "ten"}, follow_redirects=False
    )
    assert bad_count.status_code == 422
    assert 'href="#papers"' in bad_count.text
    opened = ana.post(
        base, data={"csrf": csrf(listing), "label": "Library box 3"}, follow_redirects=False
    )
    assert opened.status_code == 303
    url = opened.headers["location"]

    for code, chosen in zip(papers, [[projects[0]], [projects[1]], [projects[2]]], strict=True):
        enter(ana, url, code, chosen)
    # Ben reads the second paper differently: one disagreement, on the choices.
    for code, chosen in zip(papers, [[projects[0]], [projects[0]], [projects[2]]], strict=True):
        enter(ben, url, code, chosen)

    batch = ben.get(url).text
    assert "Ballot 2: the choices" in batch
    assert batch.count('class="card disagreement"') == 1
    early = ben.post(f"{url}/count", data={"csrf": csrf(batch)})
    assert early.status_code == 409
    assert "This was refused" in early.text

    # A wrong code on a third member's screen is refused next to the field, kept typed.
    cara = signed_in(engine, "Cara")
    screen = cara.get(f"{url}/enter").text
    third = cara.post(
        f"{url}/enter", data={"csrf": csrf(screen), "voter_code": "NOPE-NOPE", "project": []}
    )
    assert third.status_code in (409, 422)

    decided = ana.post(
        f"{url}/resolve",
        data={
            "csrf": csrf(ana.get(url).text),
            "position": "2",
            "choice": "pass_1",
            "note": "the paper ticks Bike racks",
        },
        follow_redirects=False,
    )
    assert decided.status_code == 303, decided.text
    batch = ana.get(url).text
    assert "Decided by Ana: the paper ticks Bike racks" in batch
    counted = ana.post(f"{url}/count", data={"csrf": csrf(batch)})
    assert counted.status_code == 200
    assert "3 ballots from this batch now count." in counted.text
    assert re.search(r"<code>[0-9a-f]{64}</code>", counted.text)
    with Session(engine) as session:
        assert VotingService(session).count(round_id).by_channel == {"paper": 3}
    for client in (ana, ben, cara):
        client.__exit__(None, None, None)


def test_the_paper_pages_need_the_sessions_form_and_the_councils_staff(
    client: Client, engine: Engine
) -> None:
    round_id, _, _ = voting_round(engine, BallotSettings(type="approval"))
    base = f"/staff/rounds/{round_id}/paper"
    ana = signed_in(engine, "Ana")
    assert ana.post(base, data={"label": "x"}, follow_redirects=False).status_code == 403
    other = TestClient(create_app(engine))
    other.__enter__()
    secret = token(engine, council="Elsewhere", name="Zed")
    other.post("/staff/sign-in", data={"token": secret}, follow_redirects=False)
    assert other.get(base).status_code == 404
    assert client.get(base, follow_redirects=False).status_code == 303
    ana.__exit__(None, None, None)
    other.__exit__(None, None, None)


def test_staff_correct_their_own_entry_and_decide_by_typing_the_paper(engine: Engine) -> None:
    round_id, projects, papers = voting_round(engine, BallotSettings(type="approval"))
    ana, ben = signed_in(engine, "Ana"), signed_in(engine, "Ben")
    base = f"/staff/rounds/{round_id}/paper"
    opened = ana.post(
        base, data={"csrf": csrf(ana.get(base).text), "label": "Post"}, follow_redirects=False
    )
    url = opened.headers["location"]
    enter(ana, url, papers[0], [projects[0]])
    enter(ana, url, papers[1], [projects[2]])
    # Ana sees she misread paper 2: the correction screen shows her entry, she retypes it.
    screen = ana.get(f"{url}/enter/2").text
    assert "Correct ballot 2" in screen
    assert re.search(rf'value="{projects[2]}" checked', screen)
    fixed = ana.post(
        f"{url}/enter/2",
        data={"csrf": csrf(screen), "voter_code": papers[1], "project": [projects[1]]},
        follow_redirects=False,
    )
    assert fixed.status_code == 303
    assert "corrected=2" in fixed.headers["location"]
    # Someone else's pass cannot be corrected from here: Ben has no pass yet.
    refused = ben.post(
        f"{url}/enter/1",
        data={"csrf": csrf(ben.get(url).text), "voter_code": papers[0], "project": []},
    )
    assert refused.status_code == 403

    enter(ben, url, papers[0], [projects[1]])
    enter(ben, url, papers[1], [projects[1]])
    batch = ana.get(url).text
    assert "Ballot 1: the choices" in batch
    assert "Ballot 2:" not in batch
    decided = ana.post(
        f"{url}/resolve",
        data={
            "csrf": csrf(batch),
            "position": "1",
            "choice": "typed",
            "voter_code": papers[0],
            "project": [projects[0], projects[1]],
            "note": "both boxes are ticked on the paper",
        },
        follow_redirects=False,
    )
    assert decided.status_code == 303, decided.text
    counted = ana.post(f"{url}/count", data={"csrf": csrf(ana.get(url).text)})
    assert "2 ballots from this batch now count." in counted.text
    for client in (ana, ben):
        client.__exit__(None, None, None)
