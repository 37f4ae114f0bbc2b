"""Council staff set up a round from a preset, watch its pre-flight check, and move it on."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from pbengine.core.phases import Phase
from pbengine.formats import presets
from pbengine.formats.fairness_document import load_preset
from pbengine.pages.setup.choices import SCHEDULED
from pbengine.pages.setup.form import of_config
from pbengine.service.errors import PUBLIC, Principal
from pbengine.service.proposals import ProposalIn, ProposalService, ReviewIn
from pbengine.service.rounds import RoundService, RoundView
from tests.pages.rounds import CONFIG, STAFF, error_for, move, new_round, review
from tests.pages.staff import csrf, sign_in

Client = TestClient[Litestar]

A_ROUND = {
    "title": "Riverside 2028",
    "description": "Which projects Riverside funds in 2028.",
    "budget": "200 000",
    "currency": "eur",
    "districts": "North, 5000\nSouth, 7000\n",
    "categories": "parks\nstreets",
    "outcomes": "greener, Greener streets",
    "rule": "greedy",
    "fairness": "equal-shares-districts",
    "ballot-type": "approval",
    "ballot-max_length": "3",
    "outcome_vote": "ranking",
    "revote": "yes",
    "settings": "yes",
    "schedule-voting": "2028-05-01",
}


def stored(engine: Engine, round_id: int) -> RoundView:
    with Session(engine) as session:
        return RoundService(session).own_view(STAFF, round_id)


def rounds_titled(engine: Engine, title: str) -> list[int]:
    with Session(engine) as session:
        return [r.id for r in RoundService(session).all_rounds() if r.title == title]


def propose(engine: Engine, round_id: int, title: str = "Benches") -> str:
    with Session(engine) as session:
        proposal = ProposalIn(
            title=title, cost_estimate="10000", district="North", outcomes=["greener"]
        )
        return ProposalService(session).propose(PUBLIC, round_id, proposal).id


def setup_form(client: Client, round_id: int, **changes: str) -> dict[str, Any]:
    """The set-up form as the page fills it in, with `changes` made."""
    page = client.get(f"/staff/rounds/{round_id}/setup").text
    fields: dict[str, Any] = {"csrf": csrf(page), "settings": "yes"}
    for name in ("title", "budget", "currency", *(f"schedule-{p}" for p in SCHEDULED)):
        found = re.search(rf'id="{name}" name="{name}" value="([^"]*)"', page)
        fields[name] = found.group(1) if found else ""
    for name in ("description", "districts", "categories", "outcomes"):
        found = re.search(rf'<textarea id="{name}" name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
        fields[name] = found.group(1) if found else ""
    rule = re.search(r'<select id="rule".*?value="([^"]+)" selected', page, re.S)
    fields["rule"] = rule.group(1) if rule else ""
    ballot = re.search(r'name="ballot-type" value="([^"]+)" checked', page)
    fields["ballot-type"] = ballot.group(1) if ballot else ""
    checked = re.search(r'name="fairness" value="([^"]*)"[^>]*checked', page)
    fields["fairness"] = checked.group(1) if checked else ""
    fields["outcome_vote"] = "ranking"
    fields["revote"] = "yes"
    return {**fields, **changes}


def step(client: Client, round_id: int, target: str, **extra: str) -> Any:
    page = client.get(f"/staff/rounds/{round_id}/setup").text
    data = {"csrf": csrf(page), "target": target, "confirm": "yes", **extra}
    return client.post(f"/staff/rounds/{round_id}/phase", data=data, follow_redirects=False)


def test_staff_create_a_round_from_a_preset(client: Client, engine: Engine) -> None:
    sign_in(client, engine)
    home = client.get("/staff").text
    assert 'href="/staff/rounds/new"' in home
    form = client.get("/staff/rounds/new").text
    # Each preset is offered with what it does: its own description, and in the page's words.
    assert 'value="equal-shares-districts"' in form
    assert "population&#39;s share of half the budget" in form
    assert "in proportion to its population" in form
    assert 'value="equalshares/add1"' in form
    assert 'value="choose-1"' in form

    made = client.post(
        "/staff/rounds/new", data={**A_ROUND, "csrf": csrf(form)}, follow_redirects=False
    )
    assert made.status_code == 303, made.text
    round_id = int(re.findall(r"\d+", made.headers["location"])[0])
    assert made.headers["location"] == f"/staff/rounds/{round_id}/setup?notice=created"

    view = stored(engine, round_id)
    assert view.phase is Phase.DRAFT
    assert view.config.budget == "200000"
    assert view.config.currency == "EUR"
    assert [(d.name, d.population) for d in view.config.districts] == [
        ("North", 5000),
        ("South", 7000),
    ]
    assert view.config.ballot.max_length == 3
    assert view.config.fairness is not None
    assert view.config.fairness.preset == "equal-shares-districts"
    assert view.config.fairness.document == load_preset("equal-shares-districts").model_dump(
        exclude_none=True, exclude_defaults=True
    )
    assert view.rule == "equalshares/add1"  # the preset's rule runs
    assert view.config.schedule[Phase.VOTING].isoformat() == "2028-05-01T00:00:00+00:00"

    setup = client.get(made.headers["location"]).text
    assert "The round is created, in preparation." in setup
    assert "no accepted projects to vote on" in setup  # the pre-flight report, at once
    assert 'id="fairness-equal-shares-districts"' in setup
    assert re.search(r'value="equal-shares-districts"[^>]*checked', setup)


def test_refused_fields_are_shown_next_to_their_controls(client: Client, engine: Engine) -> None:
    sign_in(client, engine)
    form = client.get("/staff/rounds/new").text
    wrong = {
        **A_ROUND,
        "title": "Refused round",
        "budget": "abc",
        "districts": "North, 5000\nSouth, lots",
        "outcomes": "Greener Streets",
        "ballot-max_length": "0",
        "csrf": csrf(form),
    }
    answer = client.post("/staff/rounds/new", data=wrong)
    assert answer.status_code == 422
    page = answer.text
    assert "Write the budget as an amount above zero" in error_for(page, "budget")
    assert "&#39;abc&#39; is not a number" in error_for(page, "budget")
    assert "line 2" in error_for(page, "districts")
    assert error_for(page, "outcomes")
    assert error_for(page, "ballot-max_length")
    # Summed up at the top, each linking to its control; what was written stays.
    summary = page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    for control in ("budget", "districts", "outcomes", "ballot-max_length"):
        assert f'href="#{control}"' in summary
    assert 'id="budget" name="budget" value="abc"' in page
    assert "South, lots" in page
    assert rounds_titled(engine, "Refused round") == []


def test_a_preset_naming_an_unknown_district_is_refused_at_its_control(
    client: Client, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "centre-first.toml").write_text(
        'description = "The centre gets a tenth first."\nrule = "greedy"\n'
        '[districts.floors]\nCentre = "10%"\n'
    )
    monkeypatch.setattr(presets._Presets, "folder", tmp_path)
    sign_in(client, engine)
    form = client.get("/staff/rounds/new").text
    assert "The centre gets a tenth first." in form
    data = {**A_ROUND, "title": "Centre round", "fairness": "centre-first", "csrf": csrf(form)}
    answer = client.post("/staff/rounds/new", data=data)
    assert answer.status_code == 422
    assert "unknown district &#39;Centre&#39;" in error_for(answer.text, "fairness")
    assert rounds_titled(engine, "Centre round") == []


def test_the_preflight_report_shows_problems_until_they_are_fixed(
    client: Client, engine: Engine
) -> None:
    round_id = new_round(engine)
    move(engine, round_id, Phase.PROPOSALS)
    project = propose(engine, round_id)
    sign_in(client, engine)
    page = client.get(f"/staff/rounds/{round_id}/setup").text
    assert "1 proposals await review" in page
    assert f'href="/staff/rounds/{round_id}/review"' in page
    # The report alone, as the page's script fetches it: not stored by any cache.
    alone = client.get(f"/staff/rounds/{round_id}/setup/preflight")
    assert alone.status_code == 200
    assert "no-store" in alone.headers["cache-control"]
    assert "1 proposals await review" in alone.text
    assert "<html" not in alone.text

    move(engine, round_id, Phase.REVIEW)
    review(engine, round_id, project, ReviewIn(decision="accept", cost="10000"))
    # A district a project is in cannot go.
    gone = client.post(
        f"/staff/rounds/{round_id}/setup",
        data=setup_form(client, round_id, districts="South, 7000"),
    )
    assert gone.status_code == 409
    assert "is in &#39;North&#39;" in error_for(gone.text, "districts")
    # A setting the projects cannot meet: a problem, until the setting is changed.
    saved = client.post(
        f"/staff/rounds/{round_id}/setup",
        data=setup_form(client, round_id, **{"ballot-min_length": "2"}),
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    page = client.get(saved.headers["location"]).text
    assert "The settings are saved." in page
    assert "await review" not in page
    assert "ballot.min_length" in page
    assert "the ballot asks for at least 2 projects but only 1 are on it" in page

    client.post(
        f"/staff/rounds/{round_id}/setup",
        data=setup_form(client, round_id, **{"ballot-min_length": ""}),
    )
    assert stored(engine, round_id).config.ballot.min_length is None
    page = client.get(f"/staff/rounds/{round_id}/setup").text
    assert "Ready: nothing stops voting from opening." in page
    assert "Ready" in client.get(f"/staff/rounds/{round_id}/setup/preflight").text


def test_settings_are_saved_and_a_refused_one_is_shown_at_its_control(
    client: Client, engine: Engine
) -> None:
    round_id = new_round(engine)
    sign_in(client, engine)
    form = setup_form(
        client,
        round_id,
        budget="150000",
        districts="North, 5000\nSouth, 7000\nEast, 3000",
        fairness="threshold-greedy",
    )
    assert client.post(f"/staff/rounds/{round_id}/setup", data=form).status_code == 200
    view = stored(engine, round_id)
    assert view.config.budget == "150000"
    assert [d.name for d in view.config.districts] == ["North", "South", "East"]
    assert view.config.fairness is not None
    assert view.config.fairness.preset == "threshold-greedy"
    assert view.config.schedule == CONFIG.schedule  # dates kept as they were

    refused = client.post(
        f"/staff/rounds/{round_id}/setup",
        data=setup_form(client, round_id, budget="-5", currency="euro", fairness=""),
    )
    assert refused.status_code == 422
    assert error_for(refused.text, "budget")
    assert error_for(refused.text, "currency")
    assert stored(engine, round_id).config.budget == "150000"

    client.post(f"/staff/rounds/{round_id}/setup", data=setup_form(client, round_id, fairness=""))
    assert stored(engine, round_id).config.fairness is None

    # How money released after publication is reallocated: declared here, before voting.
    page = client.get(f"/staff/rounds/{round_id}/setup").text
    assert 'name="reallocation" value="carry" checked' in page
    form = setup_form(client, round_id, fairness="", reallocation="rerun")
    assert client.post(f"/staff/rounds/{round_id}/setup", data=form).status_code == 200
    assert stored(engine, round_id).config.reallocation == "rerun"


def test_phase_moves_are_confirmed_and_voting_waits_for_the_preflight(
    client: Client, engine: Engine
) -> None:
    round_id = new_round(engine)
    sign_in(client, engine)
    page = client.get(f"/staff/rounds/{round_id}/setup").text
    unconfirmed = client.post(
        f"/staff/rounds/{round_id}/phase",
        data={"csrf": csrf(page), "target": "proposals"},
    )
    assert unconfirmed.status_code == 422
    assert 'id="step-proposals-confirm-error"' in unconfirmed.text
    assert 'aria-describedby="step-proposals-means step-proposals-confirm-error"' in (
        unconfirmed.text
    )
    assert stored(engine, round_id).phase is Phase.DRAFT

    moved = step(client, round_id, "proposals")
    assert moved.status_code == 303
    assert moved.headers["location"] == f"/staff/rounds/{round_id}?moved=draft-proposals"
    overview = client.get(moved.headers["location"]).text
    assert "The round has moved from In preparation to Proposals." in overview
    assert stored(engine, round_id).phase is Phase.PROPOSALS

    project = propose(engine, round_id)
    assert step(client, round_id, "review").status_code == 303
    refused = step(client, round_id, "voting")
    assert refused.status_code == 409
    problems = refused.text.split('id="step-voting-problems"', 1)[1].split("</div>", 1)[0]
    assert "1 proposals await review" in problems
    assert 'aria-describedby="step-voting-problems"' in refused.text
    assert stored(engine, round_id).phase is Phase.REVIEW

    review(engine, round_id, project, ReviewIn(decision="accept", cost="10000"))
    opened = step(client, round_id, "voting")
    assert opened.status_code == 303
    assert "the round's settings are frozen" in client.get(opened.headers["location"]).text
    assert stored(engine, round_id).phase is Phase.VOTING


def test_once_voting_opens_settings_are_read_only_and_a_void_needs_a_reason(
    client: Client, engine: Engine
) -> None:
    round_id = new_round(engine)
    move(engine, round_id, Phase.PROPOSALS)
    project = propose(engine, round_id)
    move(engine, round_id, Phase.REVIEW)
    review(engine, round_id, project, ReviewIn(decision="accept", cost="10000"))
    move(engine, round_id, Phase.VOTING)
    sign_in(client, engine)
    page = client.get(f"/staff/rounds/{round_id}/setup").text
    assert "Frozen settings" in page
    assert 'name="budget"' not in page
    assert "the pre-flight check is behind this round" in page
    assert "Check again" not in page
    assert 'id="step-closed"' in page
    assert 'id="step-void"' in page

    # The title still changes; a frozen setting sent anyway is refused by the service.
    data = {"csrf": csrf(page), "title": "Greenfield 2027 (extended)", "description": ""}
    assert client.post(f"/staff/rounds/{round_id}/setup", data=data).status_code == 200
    assert stored(engine, round_id).title == "Greenfield 2027 (extended)"
    # As a form from before voting opened would post it, the budget changed.
    written = of_config(stored(engine, round_id).config)
    forged = {k: v for k, v in written.items() if not isinstance(v, bool)}
    forged |= {"csrf": csrf(page), "settings": "yes", "revote": "yes", "budget": "1"}
    answer = client.post(f"/staff/rounds/{round_id}/setup", data=forged)
    assert answer.status_code == 409
    assert "frozen once voting opens" in answer.text
    assert stored(engine, round_id).config.budget == "100000"

    no_reason = step(client, round_id, "void", reason="  ")
    assert no_reason.status_code == 422
    assert 'id="step-void-reason-error"' in no_reason.text
    assert stored(engine, round_id).phase is Phase.VOTING
    void = step(client, round_id, "void", reason="The count was cancelled by a court order.")
    assert void.status_code == 303
    assert "The round is void" in client.get(void.headers["location"]).text
    view = stored(engine, round_id)
    assert view.phase is Phase.VOID
    assert view.void_reason == "The count was cancelled by a court order."


def test_forms_without_the_sessions_token_are_refused(client: Client, engine: Engine) -> None:
    round_id = new_round(engine)
    sign_in(client, engine)
    for path, data in (
        ("/staff/rounds/new", {**A_ROUND, "title": "Forged round"}),
        (f"/staff/rounds/{round_id}/setup", {"title": "Forged", "settings": ""}),
        (f"/staff/rounds/{round_id}/phase", {"target": "proposals", "confirm": "yes"}),
    ):
        assert client.post(path, data=data).status_code == 403, path
    assert rounds_titled(engine, "Forged round") == []
    view = stored(engine, round_id)
    assert (view.title, view.phase) == ("Greenfield 2027", Phase.DRAFT)


def test_another_councils_staff_get_404(client: Client, engine: Engine) -> None:
    with Session(engine) as session:
        theirs = RoundService(session).create(
            Principal(role="council", council="Elsewhere"), CONFIG
        )
    sign_in(client, engine)
    token = csrf(client.get("/staff").text)
    assert client.get(f"/staff/rounds/{theirs.id}/setup").status_code == 404
    assert client.get(f"/staff/rounds/{theirs.id}/setup/preflight").status_code == 404
    saved = client.post(f"/staff/rounds/{theirs.id}/setup", data={"csrf": token, "title": "Taken"})
    assert saved.status_code == 404
    moved = client.post(
        f"/staff/rounds/{theirs.id}/phase",
        data={"csrf": token, "target": "proposals", "confirm": "yes"},
    )
    assert moved.status_code == 404
    with Session(engine) as session:
        view = RoundService(session).view(theirs.id)
    assert (view.title, view.phase) == ("Greenfield 2027", Phase.DRAFT)


def test_an_auditor_cannot_set_up_or_move_a_round(client: Client, engine: Engine) -> None:
    round_id = new_round(engine)
    sign_in(client, engine, role="auditor")
    home = client.get("/staff").text
    assert "/staff/rounds/new" not in home
    token = csrf(home)
    created = client.post(
        "/staff/rounds/new", data={**A_ROUND, "title": "Audited round", "csrf": token}
    )
    assert created.status_code == 403
    assert "Only council staff can set up and change rounds." in created.text
    assert rounds_titled(engine, "Audited round") == []
    assert client.get(f"/staff/rounds/{round_id}/setup").status_code == 403
    saved = client.post(f"/staff/rounds/{round_id}/setup", data={"csrf": token, "title": "X"})
    assert saved.status_code == 403
    moved = client.post(
        f"/staff/rounds/{round_id}/phase",
        data={"csrf": token, "target": "proposals", "confirm": "yes"},
    )
    assert moved.status_code == 403
    view = stored(engine, round_id)
    assert (view.title, view.phase) == ("Greenfield 2027", Phase.DRAFT)
