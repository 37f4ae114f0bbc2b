"""Council staff record the delivery of a published round's funded projects through the
pages' forms, reallocate the money a cancellation released, see who volunteered (contacts
for the council only), issue assessment codes and answer residents in public; the
services decide, and a refusal is shown beside the field at fault."""

from __future__ import annotations

import re

import httpx
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from pbengine.core.phases import Phase
from pbengine.service.assessment import AssessmentService
from pbengine.service.codelivery import CoDeliveryService, VolunteerIn
from pbengine.service.config import BallotSettings
from pbengine.service.delivery import DeliveryService
from pbengine.service.delivery_replies import ProjectDeliveryOut
from pbengine.service.errors import PUBLIC
from pbengine.service.proposals import ProposalIn, ProposalService, ReviewIn
from pbengine.service.voting import BallotIn, VotingService
from tests.pages.rounds import (
    CONFIG,
    STAFF,
    allocate_and_publish,
    codes,
    error_for,
    move,
    new_round,
    review,
)
from tests.pages.staff import csrf, sign_in, token

Client = TestClient[Litestar]
CONTACT = "ada.private@example.org"
PHOTO = "http://testserver.local/photos/benches.jpg"


def delivery_round(engine: Engine) -> tuple[int, list[str]]:
    """A round in delivery funding Benches and Bike racks out of three projects of 10,000 on
    a budget of 20,000; released money goes to the next projects in the order of the vote."""
    config = CONFIG.model_copy(
        update={
            "budget": "20000",
            "reallocation": "next-in-order",
            "ballot": BallotSettings(type="approval", max_length=2),
        }
    )
    round_id = new_round(engine, config)
    move(engine, round_id, Phase.PROPOSALS)
    with Session(engine) as session:
        projects = [
            ProposalService(session)
            .propose(
                PUBLIC, round_id, ProposalIn(title=t, cost_estimate="10000", outcomes=["greener"])
            )
            .id
            for t in ("Benches", "Bike racks", "Bird boxes")
        ]
    move(engine, round_id, Phase.REVIEW)
    for project in projects:
        review(engine, round_id, project, ReviewIn(decision="accept", cost="10000"))
    move(engine, round_id, Phase.VOTING)
    choices = (projects[:2], projects[:2], projects[2:])
    with Session(engine) as session:
        for code, chosen in zip(codes(engine, round_id, 3), choices, strict=True):
            ballot = BallotIn(voter_code=code, channel="paper", projects=chosen)
            VotingService(session).cast(STAFF, round_id, ballot)
    move(engine, round_id, Phase.CLOSED)
    allocate_and_publish(engine, round_id)
    move(engine, round_id, Phase.DELIVERY)
    return round_id, projects


def post(client: Client, page: str, **data: str) -> httpx.Response:
    token_ = csrf(client.get(page).text)
    return client.post(page, data={"csrf": token_, **data}, follow_redirects=False)


def delivered(engine: Engine, round_id: int) -> dict[str, ProjectDeliveryOut]:
    with Session(engine) as session:
        return {p.project: p for p in DeliveryService(session).view(round_id).projects}


def test_staff_record_a_milestone_its_update_spending_and_a_link(
    client: Client, engine: Engine
) -> None:
    round_id, (benches, _, _) = delivery_round(engine)
    sign_in(client, engine)
    url = f"/staff/rounds/{round_id}/delivery"
    desk = client.get(url)
    assert desk.status_code == 200
    assert "Funded projects (2)" in desk.text
    assert "Next in order" in desk.text  # the declared rule, in words

    added = post(
        client,
        url,
        action="milestone",
        project=benches,
        title="Benches ordered",
        planned="2027-06-01",
        status="in_progress",
    )
    assert added.status_code == 303
    location = added.headers["location"]
    assert location.startswith(f"{url}?what=milestone&saved={benches}#project-")
    shown = client.get(location).text
    assert "Saved: a milestone added to “Benches”." in shown
    assert "June 1, 2027" in shown
    updated = post(
        client,
        url,
        action="update",
        project=benches,
        number="1",
        status="delivered",
        actual="2027-06-20",
    )
    assert updated.status_code == 303
    spent = post(
        client,
        url,
        action="spend",
        project=benches,
        amount="1500.50",
        on="2027-06-21",
        note="Four benches",
    )
    assert spent.status_code == 303
    linked = post(client, url, action="link", project=benches, title="The benches", url=PHOTO)
    assert linked.status_code == 303
    page = client.get(url).text
    assert "€1,500.50" in page
    assert f'href="{PHOTO}"' in page
    bench = delivered(engine, round_id)[benches]
    assert bench.milestones[0].status == "delivered"
    assert bench.milestones[0].title == "Benches ordered"
    assert bench.spent == "1500.5"
    public = client.get(f"/rounds/{round_id}/delivery").text
    assert "Benches ordered" in public


def test_staff_cancel_a_project_then_reallocate_the_money_it_released_once(
    client: Client, engine: Engine
) -> None:
    round_id, (_, racks, boxes) = delivery_round(engine)
    sign_in(client, engine)
    url = f"/staff/rounds/{round_id}/delivery"

    unconfirmed = post(client, url, action="cancel", project=racks, reason="Donated instead")
    assert unconfirmed.status_code == 422
    cancelled = post(
        client, url, action="cancel", project=racks, reason="The racks were donated", confirm="yes"
    )
    assert cancelled.status_code == 303
    assert delivered(engine, round_id)[racks].state == "cancelled"

    preview = post(client, url, action="whatif", rule="next-in-order")
    assert preview.status_code == 200
    assert "What-if" in preview.text
    assert "Bird boxes (€10,000.00)" in preview.text
    assert boxes not in delivered(engine, round_id)  # a what-if changes nothing
    refused = post(client, url, action="reallocate")
    assert refused.status_code == 422
    assert "applied once" in error_for(refused.text, "confirm-reallocate")
    applied = post(client, url, action="reallocate", confirm="yes")
    assert applied.status_code == 303
    after = client.get(applied.headers["location"]).text
    assert "Saved: the released money is reallocated." in after
    assert "Funded projects (3)" in after
    assert boxes in delivered(engine, round_id)
    again = post(client, url, action="reallocate", confirm="yes")
    assert again.status_code == 409
    assert "already been reallocated: it is done once" in again.text
    assert "The racks were donated" in client.get(f"/rounds/{round_id}/delivery").text


def test_a_refused_field_is_shown_beside_it_and_nothing_is_stored(
    client: Client, engine: Engine
) -> None:
    round_id, (benches, racks, _) = delivery_round(engine)
    sign_in(client, engine)
    url = f"/staff/rounds/{round_id}/delivery"
    for amount in ("1e3", "-5", "0", "12,50", ""):
        wrong = post(client, url, action="spend", project=benches, amount=amount, on="2027-06-21")
        assert wrong.status_code == 422, amount
        text = wrong.text
        assert "exact amount above zero" in error_for(text, f"amount-spend-{benches}")
        assert f'value="{amount}"' in text  # kept to correct
    no_reason = post(client, url, action="milestone", project=racks, title="Late", status="delayed")
    assert no_reason.status_code == 422
    assert "needs one" in error_for(no_reason.text, f"reason-milestone-{racks}")
    bad_url = post(client, url, action="link", project=racks, title="Photo", url="ftp://x")
    assert bad_url.status_code == 422
    assert "begins with http://" in error_for(bad_url.text, f"url-link-{racks}")
    no_date = post(client, url, action="spend", project=racks, amount="10", on="soon")
    assert "2027-06-30" in error_for(no_date.text, f"on-spend-{racks}")
    for number in ("²", "7", "9" * 40):
        missing = post(client, url, action="update", project=racks, number=number)
        assert missing.status_code == 404, number
    assert post(client, url, action="teleport", project=racks).status_code == 422
    assert (
        post(client, url, action="spend", project="nope", amount="5", on="2027-06-01").status_code
        == 404
    )
    assert all(
        not p.milestones and not p.spending and not p.links
        for p in delivered(engine, round_id).values()
    )


def test_delivery_is_recorded_only_in_its_phase(client: Client, engine: Engine) -> None:
    round_id, (benches, _, _) = delivery_round(engine)
    sign_in(client, engine)
    url = f"/staff/rounds/{round_id}/delivery"
    token_ = csrf(client.get(url).text)
    move(engine, round_id, Phase.ASSESSMENT)
    page = client.get(url).text
    assert "this round is in the phase: Residents&#39; assessment" in page
    assert 'name="action" value="spend"' not in page  # no forms to press in vain
    late = client.post(
        url,
        data={
            "csrf": token_,
            "action": "spend",
            "project": benches,
            "amount": "5",
            "on": "2027-09-01",
        },
    )
    assert late.status_code == 409
    assert "Delivery is recorded while the round is in the delivery phase" in late.text


def test_the_signed_out_an_auditor_and_another_council_are_refused(
    client: Client, engine: Engine
) -> None:
    round_id, (benches, _, _) = delivery_round(engine)
    pages = [f"/staff/rounds/{round_id}/{p}" for p in ("delivery", "volunteers", "assessment")]
    for url in pages:
        anonymous = client.get(url, follow_redirects=False)
        assert anonymous.status_code == 303
        assert anonymous.headers["location"].startswith("/staff/sign-in?next=")
    other = token(engine, council="Elsewhere", name="their clerk")
    client.post("/staff/sign-in", data={"token": other})
    their_csrf = csrf(client.get("/staff").text)
    assert [client.get(p).status_code for p in pages] == [404, 404, 404]
    data = {
        "csrf": their_csrf,
        "action": "spend",
        "project": benches,
        "amount": "5",
        "on": "2027-06-01",
        "volunteer": "1",
        "took_part": "yes",
        "count": "2",
    }
    assert [client.post(p, data=data).status_code for p in pages] == [404, 404, 404]
    client.cookies.clear()
    sign_in(client, engine, role="auditor", name="auditor")
    auditor_csrf = csrf(client.get("/staff").text)
    assert [client.get(p).status_code for p in pages] == [403, 403, 403]
    data["csrf"] = auditor_csrf
    assert [client.post(p, data=data).status_code for p in pages] == [403, 403, 403]
    assert not delivered(engine, round_id)[benches].spending


def test_volunteers_contacts_are_shown_to_the_council_only(client: Client, engine: Engine) -> None:
    round_id, (benches, _, _) = delivery_round(engine)
    offer = VolunteerIn(name="Ada Lovelace", offer="I can paint", contact=CONTACT)
    with Session(engine) as session:
        number = CoDeliveryService(session).sign_up(round_id, benches, offer).volunteer
    assert CONTACT not in client.get(f"/rounds/{round_id}/delivery").text
    sign_in(client, engine)
    url = f"/staff/rounds/{round_id}/volunteers"
    page = client.get(url)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert CONTACT in page.text
    assert "I can paint" in page.text
    unchosen = post(client, url, volunteer=str(number), note="called")
    assert unchosen.status_code == 422
    assert "yes or no" in error_for(unchosen.text, f"took-part-{number}")
    for stranger in ("9" * 40, "²", "9999"):
        unknown = post(client, url, volunteer=stranger, took_part="yes")
        assert unknown.status_code == 404, stranger
    marked = post(client, url, volunteer=str(number), took_part="yes", note="Painted two")
    assert marked.status_code == 303
    with Session(engine) as session:
        (found,) = CoDeliveryService(session).volunteers(STAFF, round_id)
    assert found.took_part is True
    assert found.note == "Painted two"
    assert "Saved." in client.get(marked.headers["location"]).text

    client.cookies.clear()
    other = token(engine, council="Elsewhere", name="their clerk")
    client.post("/staff/sign-in", data={"token": other})
    refused = client.get(url)
    assert refused.status_code == 404
    assert CONTACT not in refused.text


def codes_shown(page: str) -> list[str]:
    return re.findall(r"<li><code>([A-Z0-9-]+)</code></li>", page)


def test_assessment_codes_are_shown_once_and_the_council_answers(
    client: Client, engine: Engine
) -> None:
    round_id, (benches, racks, _) = delivery_round(engine)
    sign_in(client, engine)
    url = f"/staff/rounds/{round_id}/assessment"
    desk = client.get(url).text
    assert "summed up here from the assessment phase on" in desk
    for count in ("abc", "0", "501", "²", "9" * 40):
        wrong = post(client, url, action="codes", count=count)
        assert wrong.status_code == 422
        assert "from 1 to 500" in error_for(wrong.text, "count")
    unknown = post(client, url, action="codes", count="2", district="Atlantis")
    assert unknown.status_code == 422
    sheet = post(client, url, action="codes", count="3", district="North")
    assert sheet.status_code == 200
    assert sheet.headers["cache-control"] == "no-store"
    issued = codes_shown(sheet.text)
    assert len(set(issued)) == 3
    assert "These codes are shown only this once." in sheet.text
    assert f"http://testserver.local/rounds/{round_id}/assess" in sheet.text
    assert not any(code in client.get(url).text for code in issued)

    move(engine, round_id, Phase.ASSESSMENT)
    blank = post(client, url, action="answer", project=racks, text="  ")
    assert blank.status_code == 422
    assert "4,000 characters" in error_for(blank.text, f"text-{racks}")
    answered = post(
        client,
        url,
        action="answer",
        project=racks,
        text="The racks came as a gift; the money goes to the next round.",
    )
    assert answered.status_code == 303
    shown = client.get(answered.headers["location"]).text
    assert (
        "Saved: the council’s answer on “Bike racks” is published." in shown.replace("&#39;", "’")
        or "Saved: the council&#39;s answer on “Bike racks” is published." in shown
    )
    with Session(engine) as session:
        view = AssessmentService(session).view(round_id)
    answers = {p.project: p.answer for p in view.projects}
    assert answers[racks] == "The racks came as a gift; the money goes to the next round."
    assert answers[benches] is None


def test_the_overview_links_the_after_vote_pages_and_they_speak_polish(
    client: Client, engine: Engine
) -> None:
    round_id, _ = delivery_round(engine)
    sign_in(client, engine)
    overview = client.get(f"/staff/rounds/{round_id}").text
    for suffix in ("delivery", "volunteers", "assessment"):
        assert f'href="/staff/rounds/{round_id}/{suffix}"' in overview
    polish = client.get(f"/staff/rounds/{round_id}/delivery", params={"lang": "pl"}).text
    assert "Dodaj kamień milowy" in polish
    dutch = client.get(f"/staff/rounds/{round_id}/assessment", params={"lang": "nl"}).text
    assert "Beoordelingscodes" in dutch
