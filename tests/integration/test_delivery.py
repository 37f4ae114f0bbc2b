"""Delivery after publication over HTTP: the council records it, anyone reads it, replay
checks it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from pbengine.cli import main
from pbengine.service.replay import replay
from tests.integration.http import Client, as_voter, bearer, ok, refused, running_app
from tests.integration.records import relinked
from tests.integration.test_api import import_round
from tests.integration.test_ballot_channels import Voting


@pytest.fixture
def client(engine: Engine) -> Iterator[Client]:
    with running_app(engine) as test_client:
        yield test_client


def published(client: Client, staff: dict[str, str]) -> tuple[str, list[str]]:
    """Assen 2024, imported, allocated by its declared rule and published: its url and the
    projects it funded, most first."""
    round_id = import_round(client, staff)
    url = f"/api/v1/rounds/{round_id}"
    selected = ok(client.post(f"{url}/allocation", headers=staff))["selected"]
    ok(client.post(f"{url}/phase", json={"phase": "published"}, headers=staff))
    return url, selected


def test_a_funded_projects_delivery_from_first_milestone_to_the_archive(
    client: Client, engine: Engine
) -> None:
    staff = bearer(engine, "council", "Assen")
    url, funded = published(client, staff)
    first, second = funded[0], funded[1]
    # Before delivery opens: readable (empty), but not yet recorded.
    assert all(p["state"] == "planned" for p in ok(client.get(f"{url}/delivery"))["projects"])
    milestone = {"title": "Design agreed", "planned": "2027-03-01"}
    refused(
        client.post(f"{url}/delivery/{first}/milestones", json=milestone, headers=staff),
        409,
        "phase",
    )
    ok(client.post(f"{url}/phase", json={"phase": "delivery"}, headers=staff))

    ok(client.post(f"{url}/delivery/{first}/milestones", json=milestone, headers=staff))
    build = {"title": "Built", "planned": "2027-06-01", "status": "in_progress"}
    ok(client.post(f"{url}/delivery/{first}/milestones", json=build, headers=staff))
    done = {
        "title": "Design agreed",
        "planned": "2027-03-01",
        "actual": "2027-03-10",
        "status": "delivered",
    }
    ok(client.put(f"{url}/delivery/{first}/milestones/1", json=done, headers=staff))
    late = {"title": "Built", "planned": "2027-06-01", "status": "delayed"}
    refused(
        client.put(f"{url}/delivery/{first}/milestones/2", json=late, headers=staff), 422, "reason"
    )
    late["reason"] = "the supplier is late"
    ok(client.put(f"{url}/delivery/{first}/milestones/2", json=late, headers=staff))
    spend = {"amount": "1200.50", "on": "2027-03-15", "note": "design fee"}
    ok(client.post(f"{url}/delivery/{first}/spending", json=spend, headers=staff))
    photo = {"url": "https://example.org/photos/bench.jpg", "title": "The first bench"}
    ok(client.post(f"{url}/delivery/{first}/links", json=photo, headers=staff))
    ok(
        client.post(
            f"{url}/delivery/{second}/cancel", json={"reason": "the site was sold"}, headers=staff
        )
    )

    # Refused, each naming its field; nothing stored.
    bad = [
        ("spending", {"amount": "-5", "on": "2027-01-01"}, "amount"),
        ("spending", {"amount": "1e9", "on": "2027-01-01"}, "amount"),
        ("spending", {"amount": "10", "on": "next week"}, "on"),
        ("links", {"url": "javascript:alert(1)", "title": "x"}, "url"),
        ("milestones", {"title": "x", "planned": "2027-02-30"}, "planned"),
    ]
    for route, body, field in bad:
        refused(
            client.post(f"{url}/delivery/{first}/{route}", json=body, headers=staff), 422, field
        )
    for no_reason in ({}, {"reason": ""}, {"reason": "   "}):
        cancel = client.post(f"{url}/delivery/{first}/cancel", json=no_reason, headers=staff)
        refused(cancel, 422, "reason")
    untitled = {"url": "https://example.org/plan.pdf", "title": " "}
    refused(
        client.post(f"{url}/delivery/{first}/links", json=untitled, headers=staff), 422, "title"
    )
    for number in (0, 3):
        changed = client.put(
            f"{url}/delivery/{first}/milestones/{number}", json=done, headers=staff
        )
        refused(changed, 404, "number")
    refused(
        client.post(f"{url}/delivery/{second}/spending", json=spend, headers=staff), 422, "project"
    )
    refused(client.post(f"{url}/delivery/nope/spending", json=spend, headers=staff), 404, "project")

    shown = {p["project"]: p for p in ok(client.get(f"{url}/delivery"))["projects"]}
    assert shown[first]["spent"] == "1200.5"
    assert shown[first]["state"] == "in_progress"
    assert [m["status"] for m in shown[first]["milestones"]] == ["delivered", "delayed"]
    assert shown[first]["links"] == [photo]
    assert (shown[second]["state"], shown[second]["cancelled"]) == (
        "cancelled",
        "the site was sold",
    )

    for phase in ("assessment", "archived"):
        ok(client.post(f"{url}/phase", json={"phase": phase}, headers=staff))
    refused(
        client.post(f"{url}/delivery/{first}/spending", json=spend, headers=staff), 409, "phase"
    )
    record: dict[str, Any] = ok(client.get(f"{url}/record", headers=staff))
    assert replay(record).ok
    assert sum(e["type"].startswith("delivery.") for e in record["events"]) == 7


def test_only_the_rounds_council_records_delivery(client: Client, engine: Engine) -> None:
    staff = bearer(engine, "council", "Assen")
    url, funded = published(client, staff)
    ok(client.post(f"{url}/phase", json={"phase": "delivery"}, headers=staff))
    spend = {"amount": "10", "on": "2027-01-01"}
    path = f"{url}/delivery/{funded[0]}/spending"
    refused(client.post(path, json=spend), 401, "authorization")
    refused(client.post(path, json=spend, headers=bearer(engine, "auditor", "Assen")), 403)
    refused(client.post(path, json=spend, headers=bearer(engine, "council", "Elsewhere")), 404)
    assert ok(client.get(f"{url}/delivery"))["projects"][0]["spending"] == []


def test_a_residents_code_cannot_record_delivery(client: Client, engine: Engine) -> None:
    v = Voting(client, engine, {"type": "approval"})
    for code in v.codes[:3]:
        ok(v.online(code, projects=v.projects[:2], outcomes=["parks"]), 201)
    v.move("closed")
    funded = ok(client.post(f"{v.url}/allocation", headers=v.staff))["selected"]
    for phase in ("published", "delivery"):
        v.move(phase)
    resident = as_voter(v.codes[0])
    path = f"{v.url}/delivery/{funded[0]}"
    changes = [
        ("milestones", {"title": "Built", "status": "delivered", "actual": "2027-01-01"}),
        ("spending", {"amount": "10", "on": "2027-01-01"}),
        ("links", {"url": "https://example.org/a.jpg", "title": "a photo"}),
        ("cancel", {"reason": "we changed our minds"}),
    ]
    for route, body in changes:
        refused(client.post(f"{path}/{route}", json=body, headers=resident), 403)
        refused(client.post(f"{path}/{route}", json=body), 401, "authorization")
    refused(client.post(f"{v.url}/reallocation", headers=resident), 403)
    untouched = ok(client.get(f"{v.url}/delivery"))["projects"][0]
    assert (untouched["state"], untouched["milestones"], untouched["links"]) == ("planned", [], [])
    assert not any(e["type"].startswith("delivery.") for e in v.record()["events"])


def test_a_forged_delivery_event_does_not_replay(client: Client, engine: Engine) -> None:
    staff = bearer(engine, "council", "Assen")
    url, funded = published(client, staff)
    ok(client.post(f"{url}/phase", json={"phase": "delivery"}, headers=staff))
    ok(client.post(f"{url}/delivery/{funded[0]}/cancel", json={"reason": "sold"}, headers=staff))
    ok(
        client.post(
            f"{url}/delivery/{funded[1]}/spending",
            json={"amount": "5", "on": "2027-01-01"},
            headers=staff,
        )
    )
    record = ok(client.get(f"{url}/record", headers=staff))
    # An operator moves the spending onto the cancelled project and re-hashes the chain.
    last = record["events"][-1]
    assert last["type"] == "delivery.spend"
    last["payload"]["project"] = funded[0]
    forged = relinked(record, record["events"])
    result = replay(forged)
    assert not result.ok
    assert "cancelled" in (result.problem or "")


def test_volunteers_sign_up_and_their_contacts_stay_with_the_council(
    client: Client, engine: Engine
) -> None:
    staff = bearer(engine, "council", "Assen")
    url, funded = published(client, staff)
    offer = {
        "name": "Ada from number 12",
        "kind": "resident",
        "offer": "I can water the new trees on Saturdays",
        "contact": "ada.private@example.org",
    }
    signed = ok(client.post(f"{url}/delivery/{funded[0]}/volunteers", json=offer), 201)
    assert "ada.private" not in str(signed)
    refused(client.post(f"{url}/delivery/nope/volunteers", json=offer), 404, "project")
    refused(
        client.post(f"{url}/delivery/{funded[0]}/volunteers", json={**offer, "contact": ""}), 400
    )
    ok(client.post(f"{url}/phase", json={"phase": "delivery"}, headers=staff))
    ok(client.post(f"{url}/delivery/{funded[1]}/cancel", json={"reason": "sold"}, headers=staff))
    refused(client.post(f"{url}/delivery/{funded[1]}/volunteers", json=offer), 404, "project")

    # Residents, auditors and other councils do not see who signed up.
    listing = f"{url}/volunteers"
    refused(client.get(listing), 401)
    refused(client.get(listing, headers=bearer(engine, "council", "Elsewhere")), 404)
    [volunteer] = ok(client.get(listing, headers=staff))
    assert (volunteer["contact"], volunteer["took_part"]) == ("ada.private@example.org", None)
    mark = {"took_part": True, "note": "came twice"}
    ok(client.post(f"{listing}/{volunteer['volunteer']}/took-part", json=mark, headers=staff))
    assert ok(client.get(listing, headers=staff))[0]["took_part"] is True
    refused(client.post(f"{listing}/999/took-part", json=mark, headers=staff), 404, "volunteer")

    public = str(ok(client.get(f"{url}/delivery")))
    record = ok(client.get(f"{url}/record", headers=staff))
    for private in (
        "ada.private@example.org",
        "Ada from number 12",
        "water the new trees",
        "came twice",
    ):
        assert private not in public
        assert private not in str(record)
    assert replay(record).ok


def test_a_project_delivered_for_less_releases_the_difference(
    client: Client, engine: Engine
) -> None:
    staff = bearer(engine, "council", "Assen")
    url, funded = published(client, staff)
    ok(client.post(f"{url}/phase", json={"phase": "delivery"}, headers=staff))
    cheaper, unrecorded = funded[0], funded[1]
    done = {"title": "Done", "actual": "2027-05-01", "status": "delivered"}
    for project in (cheaper, unrecorded):
        ok(client.post(f"{url}/delivery/{project}/milestones", json=done, headers=staff))
    shown = {p["project"]: p for p in ok(client.get(f"{url}/delivery"))["projects"]}
    cost = int(shown[cheaper]["allocated"])
    spend = {"amount": str(cost - 1000), "on": "2027-05-01"}
    ok(client.post(f"{url}/delivery/{cheaper}/spending", json=spend, headers=staff))
    result = ok(client.post(f"{url}/reallocation", headers=staff))
    # Assen's round carries released money (the default): 1,000 saved, nothing from the
    # project delivered with no spending recorded.
    assert (result["rule"], result["released"], result["carried"]) == ("carry", "1000", "1000")
    assert result["inputs"]["actual_costs"] == {cheaper: str(cost - 1000)}
    shown_now = ok(client.get(f"{url}/delivery"))["reallocation"]
    assert (shown_now["rule"], shown_now["carried"], shown_now["funded"]) == ("carry", "1000", [])
    record = ok(client.get(f"{url}/record", headers=staff))
    assert replay(record).ok
    assert replay(record).reallocated == {k: v for k, v in result.items() if k != "applied"}

    # An operator who says more money was carried, and re-hashes the chain, is caught.
    applied = next(e for e in record["events"] if e["type"] == "allocation.reallocated")
    applied["payload"]["carried"] = "5000"
    forged = replay(relinked(record, record["events"]))
    assert not forged.ok
    assert "recomputes differently" in (forged.problem or "")


RULES = ("next-in-order", "rerun", "carry")


def swiecie_in_delivery(
    client: Client, staff: dict[str, str], path: Path, rule: str
) -> tuple[str, list[str]]:
    """Świecie 2023 imported with a reallocation rule, allocated by its own rule, published
    and in delivery: its url and the projects it funded."""
    answer = client.post(
        "/api/v1/rounds/import",
        content=path.read_bytes(),
        params={"reallocation": rule},
        headers=staff,
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["reallocation"] == rule
    assert "reallocation" in answer.json()["frozen"]
    url = f"/api/v1/rounds/{answer.json()['id']}"
    selected = ok(client.post(f"{url}/allocation", headers=staff))["selected"]
    for phase in ("published", "delivery"):
        ok(client.post(f"{url}/phase", json={"phase": phase}, headers=staff))
    return url, selected


@pytest.mark.parametrize("rule", RULES)
def test_the_money_freed_by_swiecies_dearest_project(
    client: Client,
    *,
    engine: Engine,
    shared: Path,
    rule: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The real election: cancel the most expensive funded project; what each rule funds
    with the money, explained, shown to the public, and reproduced by `pbengine replay`."""
    staff = bearer(engine, "council", "Świecie")
    url, selected = swiecie_in_delivery(client, staff, shared / "Poland_Swiecie_2023.pb", rule)
    projects = {p["id"]: p for p in ok(client.get(f"{url}/projects"))}
    dearest = max(selected, key=lambda p: int(projects[p]["cost"]))
    assert dearest == "c21"
    ok(client.post(f"{url}/delivery/{dearest}/cancel", json={"reason": "no bidder"}, headers=staff))

    result: dict[str, Any] = ok(client.post(f"{url}/reallocation", headers=staff))
    assert result["applied"] is True
    assert result["released"] == projects[dearest]["cost"] == "291000"
    funded = [f["project"] for f in result["funded"]]
    # What each rule gives (docs/reallocation.md): c16 (150,000) then c15 (80,000) by the
    # order of the vote and by Equal Shares on what is left; carry keeps the money.
    expected = {"next-in-order": ["c16", "c15"], "rerun": ["c16", "c15"], "carry": []}
    assert funded == expected[rule]
    assert result["carried"] == ("291000" if rule == "carry" else "61000")
    explained = {d["project"]: d["explanation"] for d in result["decisions"]}
    for project in funded:
        assert explained[project], project
    if rule == "next-in-order":
        assert "279 votes, 3rd in line" in explained["c16"]

    # The public reads it with the delivery, every project's explanation included; the
    # projects funded now are delivered like the others.
    public = ok(client.get(f"{url}/delivery"))
    shown = public["reallocation"]
    assert (shown["rule"], shown["funded"], shown["carried"]) == (
        rule,
        funded,
        result["carried"],
    )
    assert {d["project"]: d["explanation"] for d in shown["decisions"]} == explained
    assert {p["project"] for p in public["projects"]} == set(selected) | set(funded)

    # Only once; what-ifs of the other rules are logged and change nothing.
    refused(client.post(f"{url}/reallocation", headers=staff), 409, "reallocation")
    for other in (r for r in RULES if r != rule):
        what_if = ok(
            client.post(f"{url}/reallocation/what-if", json={"rule": other}, headers=staff)
        )
        assert what_if["applied"] is False
        assert [f["project"] for f in what_if["funded"]] == expected[other]
    assert ok(client.get(f"{url}/delivery")) == public

    # `pbengine replay` of the exported record recomputes the same reallocation.
    record = ok(client.get(f"{url}/record", headers=staff))
    saved = tmp_path / "swiecie.json"
    saved.write_text(json.dumps(record), encoding="utf-8")
    assert main(["replay", str(saved)]) == 0
    said = capsys.readouterr().out
    line = ", ".join(f"{f['project']} ({f['cost']})" for f in result["funded"]) or "nothing"
    assert f"reallocated by {rule}: 291000 released; funded {line};" in said

    # A forger who swaps the applied reallocation's projects and re-hashes is caught.
    events = record["events"]
    applied = next(e for e in events if e["type"] == "allocation.reallocated")
    applied["payload"]["funded"] = [{"project": "c6", "cost": projects["c6"]["cost"]}]
    saved.write_text(json.dumps(relinked(record, events)), encoding="utf-8")
    assert main(["replay", str(saved)]) == 1
    assert "recomputes differently" in capsys.readouterr().out
