"""Delivery after publication over HTTP: the council records it, anyone reads it, replay
checks it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from pbengine.service.replay import replay
from tests.integration.http import Client, bearer, ok, refused, running_app
from tests.integration.records import relinked
from tests.integration.test_api import import_round


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
    refused(client.post(f"{url}/delivery/{first}/cancel", json={"reason": ""}, headers=staff), 400)
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
    assert replay(ok(client.get(f"{url}/record", headers=staff))).ok
