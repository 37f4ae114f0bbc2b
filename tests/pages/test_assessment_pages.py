"""Residents assess the delivered projects with their code, revise, and read what everyone
said and the council's answer, on SQLite and PostgreSQL (docs/co-assessment.md)."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from pbengine.core.phases import Phase
from pbengine.service.assessment import AssessmentService
from pbengine.service.assessment_replies import AnswerIn, AssessmentView
from pbengine.service.delivery import DeliveryService
from tests.pages.assessed_round import delivered_round
from tests.pages.rounds import STAFF, error_for, hidden_fields, move

Client = TestClient[Litestar]
SAVE = "/assess/save"


def summary(engine: Engine, round_id: int) -> AssessmentView:
    with Session(engine) as session:
        return AssessmentService(session).view(round_id)


def checked(page: str, control: str) -> bool:
    found = re.search(rf'<input [^>]*id="{control}"[^>]*>', page)
    assert found, f"no control {control}"
    return " checked" in found.group(0)


def test_before_the_assessment_the_pages_say_when_it_opens(client: Client, engine: Engine) -> None:
    r = delivered_round(engine, assessing=False)
    results = client.get(f"/rounds/{r.id}/assessment")
    assert results.status_code == 200
    assert "shown here from the phase “Residents' assessment” on" in results.text
    assert "It is now in the phase: Delivery" in client.get(f"/rounds/{r.id}/assess").text
    early = client.post(f"/rounds/{r.id}/assess", data={"code": r.codes["North"][0]})
    assert early.status_code == 409
    assert "once the round reaches the phase" in early.text
    assert f'href="/rounds/{r.id}/assess"' not in client.get(f"/rounds/{r.id}").text
    assert f'href="/rounds/{r.id}/assessment"' not in client.get(f"/rounds/{r.id}/delivery").text


def test_a_resident_assesses_a_delivered_project_and_revises_it(
    client: Client, engine: Engine
) -> None:
    r = delivered_round(engine)
    assert f'href="/rounds/{r.id}/assess"' in client.get(f"/rounds/{r.id}").text
    assert f'href="/rounds/{r.id}/assessment"' in client.get(f"/rounds/{r.id}/delivery").text
    code = r.codes["North"][0]
    entry = client.get(f"/rounds/{r.id}/assess")
    assert entry.status_code == 200
    assert f'action="/rounds/{r.id}/assess"' in entry.text

    forms = client.post(f"/rounds/{r.id}/assess", data={"code": code})
    assert forms.status_code == 200
    assert forms.headers["cache-control"] == "no-store"
    assert "Benches" in forms.text
    assert "Bike racks" in forms.text
    assert "Bird boxes" not in forms.text  # cancelled: not assessed
    racks = r.key["Bike racks"]
    # The code travels in the form's body, never in an address.
    assert hidden_fields(forms.text, f"/rounds/{r.id}{SAVE}")["code"] == [code, code]
    assert code not in str(forms.url)
    assert "Did it help towards “Safer routes to school”?" in forms.text
    assert checked(forms.text, f"p{racks}-helped-safer-none")

    answers = {"code": code, "project": racks, "happened": "yes", "used": "partly"}
    saved = client.post(
        f"/rounds/{r.id}{SAVE}", data=answers | {"helped-greener": "4", "comment": "Well used"}
    )
    assert saved.status_code == 200
    assert "Thank you: your assessment of “Bike racks” is recorded." in saved.text
    assert "You may revise it until the assessment ends." in saved.text
    # Shown again as saved, so that it can be revised.
    assert checked(saved.text, f"p{racks}-used-partly")
    assert checked(saved.text, f"p{racks}-helped-greener-4")
    assert "Well used</textarea>" in saved.text
    again = client.post(f"/rounds/{r.id}/assess", data={"code": code})
    assert checked(again.text, f"p{racks}-happened-yes")
    assert "You have assessed this project." in again.text

    revised = client.post(f"/rounds/{r.id}{SAVE}", data=answers | {"used": "yes"})
    assert revised.status_code == 200
    assert "is revised: it replaces your earlier one" in revised.text
    [project] = [p for p in summary(engine, r.id).projects if p.project == racks]
    assert project.respondents == 1
    assert project.used["yes"] == 1
    assert project.used["partly"] == 0
    assert project.helped["greener"].respondents == 0
    # Reloading a confirmation leads back to typing the code; the code is in no address.
    back = client.get(f"/rounds/{r.id}{SAVE}?lang=pl", follow_redirects=False)
    assert back.headers["location"] == f"/rounds/{r.id}/assess?lang=pl"


def test_a_refused_assessment_is_shown_beside_its_fields(client: Client, engine: Engine) -> None:
    r = delivered_round(engine)
    racks = r.key["Bike racks"]
    wrong = {
        "code": r.assessment_code,
        "project": racks,
        "used": "dont_know",
        "helped-greener": "7",
        "comment": "x" * 2001,
    }
    refused = client.post(f"/rounds/{r.id}{SAVE}", data=wrong)
    assert refused.status_code == 422
    assert "Say whether the project happened." in error_for(refused.text, f"p{racks}-happened")
    assert "from 1 to 5" in error_for(refused.text, f"p{racks}-helped-greener")
    assert "at most 2,000 characters; this one has 2,001" in error_for(
        refused.text, f"p{racks}-comment"
    )
    assert checked(refused.text, f"p{racks}-used-dont_know")  # what was typed is kept
    assert summary(engine, r.id).respondents == 0

    other = delivered_round(engine)
    for code, words in (
        ("", "Type the voter code or the assessment code"),
        ("NOPE-NOPE-NOPE-NOPE", "We do not know this code"),
        (other.codes["South"][0], "This code belongs to another round."),
    ):
        page = client.post(f"/rounds/{r.id}/assess", data={"code": code})
        assert page.status_code == 422
        assert words in error_for(page.text, "code")
        saving = client.post(f"/rounds/{r.id}{SAVE}", data={**wrong, "code": code})
        assert saving.status_code == 422
        assert words in error_for(saving.text, "code")
    cancelled = {"code": r.assessment_code, "project": r.key["Bird boxes"], "happened": "yes"}
    not_delivered = client.post(f"/rounds/{r.id}{SAVE}", data=cancelled | {"used": "yes"})
    assert not_delivered.status_code == 422
    assert "it was not delivered" in not_delivered.text
    assert summary(engine, r.id).respondents == 0


def test_everyone_reads_what_residents_said_and_the_councils_answer(
    client: Client, engine: Engine
) -> None:
    r = delivered_round(engine)
    benches, racks = r.key["Benches"], r.key["Bike racks"]
    north, south = r.codes["North"], r.codes["South"]
    for code, project, helped in (
        (north[0], benches, {"helped-greener": "5"}),
        (north[1], benches, {"helped-greener": "2"}),
        (north[1], racks, {"helped-greener": "4", "helped-safer": "3"}),
        (south[0], racks, {}),
        (r.assessment_code, benches, {"helped-greener": "4"}),
    ):
        data = {"code": code, "project": project, "happened": "yes", "used": "yes", **helped}
        assert client.post(f"/rounds/{r.id}{SAVE}", data=data).status_code == 200
    with Session(engine) as session:
        answer = AnswerIn(text="We will add shade trees beside the benches.")
        AssessmentService(session).answer(STAFF, r.id, benches, answer)

    page = client.get(f"/rounds/{r.id}/assessment").text
    assert "4 residents assessed at least one project." in page
    assert "3 residents assessed it." in page  # the benches
    assert re.search(r'<th scope="row">North</th><td class="num">2</td>', page)
    assert re.search(r'<th scope="row">South</th><td class="num">2</td>', page)
    assert "3.67" in page  # the benches' mean help to greener streets: (5 + 2 + 4) / 3
    assert "We will add shade trees beside the benches." in page
    assert "Will not be delivered" in page
    assert "Safer routes to school" in page
    polish = client.get(f"/rounds/{r.id}/assessment", params={"lang": "pl"}).text
    assert "3,67" in polish
    assert "Odpowiedź urzędu" in polish
    client.get("/", params={"lang": "en"})  # the choice is remembered: back to English

    move(engine, r.id, Phase.ARCHIVED)
    archived = client.get(f"/rounds/{r.id}/assessment").text
    assert "these are its final figures" in archived
    assert "The residents' assessment has ended" in client.get(f"/rounds/{r.id}/assess").text
    late = {"code": north[0], "project": benches, "happened": "no", "used": "no"}
    assert client.post(f"/rounds/{r.id}{SAVE}", data=late).status_code == 409
    with Session(engine) as session:
        assert DeliveryService(session).view(r.id).projects
