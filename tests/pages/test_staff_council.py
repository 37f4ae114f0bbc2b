"""Council staff review proposals, issue voter codes as slips, allocate and publish, through
the pages' forms; the services decide, and a refusal is shown beside the field at fault."""

from __future__ import annotations

import re

import segno
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from pbengine.core.phases import Phase
from pbengine.service.errors import PUBLIC
from pbengine.service.proposals import ProposalIn, ProposalService
from pbengine.service.rounds import RoundService
from pbengine.service.voting import VotingService
from tests.pages.rounds import CONFIG, STAFF, error_for, move, new_round, voting_round
from tests.pages.staff import csrf, sign_in, token
from tests.pages.test_journey import vote_through_review

Client = TestClient[Litestar]

ACTIONS = ("/review/1", "/codes", "/allocation/run", "/allocation/publish")


def review_round(engine: Engine) -> tuple[int, list[str]]:
    """A round in review with three proposals (the first with its proposer's name)."""
    round_id = new_round(engine)
    move(engine, round_id, Phase.PROPOSALS)
    with Session(engine) as session:
        proposals = ProposalService(session)
        keys = [
            proposals.propose(
                PUBLIC,
                round_id,
                ProposalIn(
                    title=title,
                    description=f"{title}, as residents asked.",
                    cost_estimate="12000",
                    district="North",
                    categories=["parks"],
                    outcomes=["greener"],
                    proposer="Ada Lovelace" if title == "Benches" else None,
                ),
            ).id
            for title in ("Benches", "More benches", "Pier")
        ]
    move(engine, round_id, Phase.REVIEW)
    return round_id, keys


def statuses(engine: Engine, round_id: int) -> dict[str, str]:
    with Session(engine) as session:
        return {p.id: p.status for p in ProposalService(session).listing(PUBLIC, round_id)}


def test_staff_accept_merge_and_reject_and_residents_read_each_decision(
    client: Client, engine: Engine
) -> None:
    round_id, (benches, more, pier) = review_round(engine)
    sign_in(client, engine)
    queue = client.get(f"/staff/rounds/{round_id}/review")
    assert queue.status_code == 200
    assert "Awaiting review (3)" in queue.text
    assert "Ada Lovelace" in queue.text  # staff see who proposed
    assert "Greener streets" in queue.text
    token_ = csrf(queue.text)
    base = f"/staff/rounds/{round_id}/review"

    accepted = client.post(
        f"{base}/{benches}",
        data={"csrf": token_, "decision": "accept", "cost": "15 500", "reason": "typed, unused"},
        follow_redirects=False,
    )
    assert accepted.status_code == 303
    assert accepted.headers["location"] == f"{base}?reviewed={benches}"
    shown = client.get(accepted.headers["location"]).text
    assert "Saved: “Benches”." in shown
    assert "Accepted at €15,500.00" in shown

    merged = client.post(
        f"{base}/{more}", data={"csrf": token_, "decision": "merge", "into": benches}
    )
    assert merged.status_code == 200
    rejected = client.post(
        f"{base}/{pier}",
        data={"csrf": token_, "decision": "reject", "reason": "The pier is the port's, not ours."},
    )
    assert rejected.status_code == 200
    assert "Awaiting review (0)" in rejected.text
    assert "Reviewed (3)" in rejected.text
    assert statuses(engine, round_id) == {benches: "accepted", more: "merged", pier: "rejected"}

    public = client.get(f"/rounds/{round_id}/projects").text
    assert "Accepted: on the ballot" in public
    assert "€15,500.00" in public
    assert f'Merged into <a href="#project-{benches}">Benches</a>' in public
    assert "The pier is the port&#39;s, not ours." in public
    assert "Ada Lovelace" not in public  # residents never see who proposed


def test_a_reject_without_a_reason_or_a_cost_that_is_no_number_shows_the_field_at_fault(
    client: Client, engine: Engine
) -> None:
    round_id, (benches, _, pier) = review_round(engine)
    sign_in(client, engine)
    base = f"/staff/rounds/{round_id}/review"
    token_ = csrf(client.get(base).text)

    no_reason = client.post(f"{base}/{pier}", data={"csrf": token_, "decision": "reject"})
    assert no_reason.status_code == 422
    assert "Write why the proposal is rejected" in error_for(no_reason.text, f"reason-{pier}")
    assert f'href="#reason-{pier}"' in no_reason.text  # summed up at the top, linked
    assert "Awaiting review (3)" in no_reason.text  # the queue is still there

    not_a_number = client.post(
        f"{base}/{benches}", data={"csrf": token_, "decision": "accept", "cost": "abc"}
    )
    assert not_a_number.status_code == 422
    assert "Write the final cost as an amount" in error_for(not_a_number.text, f"cost-{benches}")
    assert 'value="abc"' in not_a_number.text  # what was typed, kept to correct
    assert set(statuses(engine, round_id).values()) == {"proposed"}


def test_proposals_are_reviewed_only_in_the_review_phase(client: Client, engine: Engine) -> None:
    round_id = new_round(engine)
    move(engine, round_id, Phase.PROPOSALS)
    with Session(engine) as session:
        key = (
            ProposalService(session)
            .propose(
                PUBLIC,
                round_id,
                ProposalIn(title="Swings", cost_estimate="900", outcomes=["safer"]),
            )
            .id
        )
    sign_in(client, engine)
    queue = client.get(f"/staff/rounds/{round_id}/review")
    assert "this round is in the phase: Proposals" in queue.text
    assert f"/review/{key}" not in queue.text  # no forms to press in vain
    refused = client.post(
        f"/staff/rounds/{round_id}/review/{key}",
        data={"csrf": csrf(queue.text), "decision": "accept", "cost": "900"},
    )
    assert refused.status_code == 409
    assert "reviewed while the round is in the council review phase" in refused.text
    assert statuses(engine, round_id) == {key: "proposed"}


def slip_codes(page: str) -> list[str]:
    return re.findall(r'<p class="slip-code"><code>([A-Z0-9-]+)</code></p>', page)


def test_three_codes_are_three_printable_slips_shown_once_each_one_a_vote(
    client: Client, engine: Engine
) -> None:
    round_id, projects, _ = voting_round(engine, CONFIG.ballot)
    sign_in(client, engine)
    form = client.get(f"/staff/rounds/{round_id}/codes")
    assert form.status_code == 200
    assert "Codes issued so far" in form.text
    sheet = client.post(
        f"/staff/rounds/{round_id}/codes",
        data={"csrf": csrf(form.text), "count": "3", "district": "North"},
    )
    assert sheet.status_code == 200, sheet.text
    assert sheet.headers["cache-control"] == "no-store"
    assert "These codes are shown only this once." in sheet.text
    assert "stores only a digest of each code" in sheet.text
    codes = slip_codes(sheet.text)
    assert len(codes) == 3
    assert len(set(codes)) == 3
    assert sheet.text.count('<li class="slip">') == 3
    assert sheet.text.count("District: North") == 3
    address = f"http://testserver.local/rounds/{round_id}/vote"
    printed = sheet.text.replace("<wbr>", "")  # where a long address may break
    assert printed.count(f'<p class="slip-url">{address}</p>') == 3
    for code in codes:
        # The QR code is segno's for the voting page with this code after '#'.
        expected = segno.make_qr(f"{address}#code={code}", error="m")
        path = re.search(r'd="([^"]+)"', expected.svg_inline())
        assert path
        assert path.group(1) in sheet.text
    with Session(engine) as session:
        assert VotingService(session).count(round_id).voter_codes_issued == 2 + 3

    # Each code is a vote, cast through the residents' pages.
    vote_through_review(client, round_id, codes[0], projects[:1])
    vote_through_review(client, round_id, codes[1], projects[1:3])
    page = client.get(f"/rounds/{round_id}/vote").text
    assert "vote.js" in page  # fills in a code arriving after '#' (never sent to us)


def test_codes_refused_show_why(client: Client, engine: Engine) -> None:
    round_id, _, _ = voting_round(engine, CONFIG.ballot)
    sign_in(client, engine)
    url = f"/staff/rounds/{round_id}/codes"
    token_ = csrf(client.get(url).text)
    for count in ("abc", "0", "501", ""):
        wrong = client.post(url, data={"csrf": token_, "count": count})
        assert wrong.status_code == 422, count
        assert "a whole number from 1 to 500" in error_for(wrong.text, "count")
        assert slip_codes(wrong.text) == []
    unknown = client.post(url, data={"csrf": token_, "count": "2", "district": "Atlantis"})
    assert unknown.status_code == 422
    assert "Choose one of the round&#39;s districts" in error_for(unknown.text, "district")
    move(engine, round_id, Phase.CLOSED)
    over = client.post(url, data={"csrf": token_, "count": "2"})
    assert over.status_code == 409
    assert "Voting is over, so no more codes can be issued" in over.text
    with Session(engine) as session:
        assert VotingService(session).count(round_id).voter_codes_issued == 2


def test_staff_allocate_read_the_results_then_publish_them(client: Client, engine: Engine) -> None:
    round_id, projects, codes = voting_round(engine, CONFIG.ballot)
    for code in codes:
        vote_through_review(client, round_id, code, projects[:2])
    sign_in(client, engine)
    page = f"/staff/rounds/{round_id}/allocation"
    early = client.get(page)
    assert "The allocation runs once voting has closed" in early.text
    refused = client.post(f"{page}/run", data={"csrf": csrf(early.text)})
    assert refused.status_code == 409
    assert "this round is in the phase: Voting" in refused.text

    move(engine, round_id, Phase.CLOSED)
    ran = client.post(f"{page}/run", data={"csrf": csrf(early.text)}, follow_redirects=False)
    assert ran.status_code == 303
    preview = client.get(page).text
    assert "Not published yet." in preview
    assert "Funded projects" in preview
    assert "Benches" in preview
    assert "Why each project was or was not funded" in preview
    assert "Publish the results" in preview
    assert "not published yet" in client.get(f"/rounds/{round_id}/results").text

    unconfirmed = client.post(f"{page}/publish", data={"csrf": csrf(preview)})
    assert unconfirmed.status_code == 422
    assert "Tick the box" in error_for(unconfirmed.text, "confirm")
    published = client.post(
        f"{page}/publish", data={"csrf": csrf(preview), "confirm": "yes"}, follow_redirects=False
    )
    assert published.status_code == 303
    assert "Published." in client.get(page).text
    public = client.get(f"/rounds/{round_id}/results").text
    assert "Funded projects" in public
    assert "Benches" in public
    with Session(engine) as session:
        assert RoundService(session).view(round_id).phase is Phase.PUBLISHED


def posts(client: Client, round_id: int, token_: str | None) -> list[int]:
    data = {"csrf": token_} if token_ else {}
    base = f"/staff/rounds/{round_id}"
    return [
        client.post(
            base + action, data={**data, "decision": "accept", "cost": "1", "count": "1"}
        ).status_code
        for action in ACTIONS
    ]


def test_a_form_without_the_sessions_csrf_token_is_refused(client: Client, engine: Engine) -> None:
    round_id, _, _ = voting_round(engine, CONFIG.ballot)
    sign_in(client, engine)
    assert posts(client, round_id, None) == [403] * len(ACTIONS)
    assert posts(client, round_id, "not-the-token") == [403] * len(ACTIONS)
    with Session(engine) as session:
        assert VotingService(session).count(round_id).voter_codes_issued == 2


def test_another_councils_staff_find_no_such_round_and_an_auditor_cannot_act(
    client: Client, engine: Engine
) -> None:
    round_id, _, _ = voting_round(engine, CONFIG.ballot)
    pages = [f"/staff/rounds/{round_id}/{p}" for p in ("review", "codes", "allocation")]
    other = token(engine, council="Elsewhere", name="their clerk")
    client.post("/staff/sign-in", data={"token": other})
    their_csrf = csrf(client.get("/staff").text)
    assert [client.get(p).status_code for p in pages] == [404, 404, 404]
    assert posts(client, round_id, their_csrf) == [404] * len(ACTIONS)

    client.cookies.clear()
    sign_in(client, engine, role="auditor", name="auditor")
    auditor_csrf = csrf(client.get("/staff").text)
    assert [client.get(p).status_code for p in pages] == [403, 403, 403]
    assert posts(client, round_id, auditor_csrf) == [403] * len(ACTIONS)
    with Session(engine) as session:
        assert VotingService(session).count(round_id).voter_codes_issued == 2
        assert RoundService(session).own_view(STAFF, round_id).phase is Phase.VOTING


def test_the_council_pages_speak_polish_and_dutch(client: Client, engine: Engine) -> None:
    round_id, keys = review_round(engine)
    sign_in(client, engine)
    for lang, heading in (("pl", "Zweryfikuj propozycje"), ("nl", "Beoordeel de voorstellen")):
        page = client.get(f"/staff/rounds/{round_id}/review", params={"lang": lang})
        assert f'<html lang="{lang}">' in page.text
        assert heading in page.text
    # A refused decision's language switch leads back to the queue, in that language.
    refused = client.post(
        f"/staff/rounds/{round_id}/review/{keys[0]}",
        data={"csrf": csrf(page.text), "decision": "reject"},
    )
    assert refused.status_code == 422
    assert "in hoogstens 4.000 tekens" in refused.text
    switch = re.search(r'href="([^"]+lang=pl)"', refused.text)
    assert switch
    assert "Zweryfikuj propozycje" in client.get(switch.group(1).replace("&amp;", "&")).text
    assert "Kody do głosowania" in client.get(f"/staff/rounds/{round_id}/codes").text
    assert "Podział środków" in client.get(f"/staff/rounds/{round_id}/allocation").text
