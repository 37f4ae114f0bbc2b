"""After the vote, over HTTP on SQLite and PostgreSQL: volunteers help deliver what residents
funded (their contacts stay with the council), residents assess what was delivered against
the outcome priorities it was meant to serve, the council answers in public, and a council
reads its outcome priorities round over round and starts the next round from them
(docs/co-assessment.md).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from pbengine.service.audit import AuditService
from pbengine.service.errors import OPERATOR
from pbengine.service.replay import replay
from tests.integration.http import Client, as_voter, bearer, ok, refused, running_app
from tests.integration.records import relinked

COUNCIL = "Riverside"
CONTACT = "ada.private@example.org"
PROJECTS = {
    # title: (cost, outcome priorities it serves)
    "bench": ("1000", ["parks"]),
    "lights": ("2000", ["parks", "safe"]),
    "pond": ("3000", ["parks"]),
    "cameras": ("1500", ["safe"]),
}


@pytest.fixture
def client(engine: Engine) -> Iterator[Client]:
    with running_app(engine) as test_client:
        yield test_client


class Delivered:
    """A live round of Riverside, voted on by two residents of North and two of South,
    allocated and published, then delivered: the bench and the lights were delivered, the
    pond is still being built and the cameras were cancelled."""

    def __init__(
        self, client: Client, engine: Engine, budget: str = "10000", council: str = COUNCIL
    ) -> None:
        self.client = client
        self.staff = bearer(engine, "council", council, name="Sam at the town hall")
        config = {
            "title": "Riverside 2026",
            "budget": budget,
            "districts": [{"name": "North"}, {"name": "South"}],
            "categories": ["green"],
            "outcomes": [
                {"key": "parks", "title": "Greener parks"},
                {"key": "safe", "title": "Safer streets"},
            ],
            "ballot": {"type": "approval", "max_length": 4},
            "reallocation": "carry",
        }
        made = ok(client.post("/api/v1/rounds", json=config, headers=self.staff), 201)
        self.id = made["id"]
        self.url = f"/api/v1/rounds/{self.id}"
        self.move("proposals")
        self.key: dict[str, str] = {}
        for title, (cost, outcomes) in PROJECTS.items():
            proposal = {"title": title, "cost_estimate": cost, "outcomes": outcomes}
            made = ok(client.post(f"{self.url}/projects", json=proposal), 201)
            self.key[title] = made["id"]
        self.move("review")
        for title, (cost, _) in PROJECTS.items():
            review = {"decision": "accept", "cost": cost}
            path = f"{self.url}/projects/{self.key[title]}/review"
            ok(client.post(path, json=review, headers=self.staff))
        self.move("voting")
        self.codes = {
            district: self.issue({"count": 2, "attributes": {"district": district}})
            for district in ("North", "South")
        }
        for code in [*self.codes["North"], *self.codes["South"]]:
            ballot = {"projects": list(self.key.values()), "outcomes": ["parks"]}
            ok(client.post(f"{self.url}/ballots", json=ballot, headers=as_voter(code)), 201)
        self.move("closed")
        self.funded = ok(client.post(f"{self.url}/allocation", headers=self.staff))["selected"]
        self.move("published")

    def issue(self, order: dict[str, Any]) -> list[str]:
        issued = self.client.post(f"{self.url}/voter-codes", json=order, headers=self.staff)
        codes: list[str] = ok(issued, 201)["codes"]
        return codes

    def move(self, phase: str) -> None:
        ok(self.client.post(f"{self.url}/phase", json={"phase": phase}, headers=self.staff))

    def deliver(self) -> None:
        """In delivery: bench and lights delivered (with their spending), pond under way,
        cameras cancelled."""
        self.move("delivery")
        done = {"title": "Built", "planned": "2027-05-01", "actual": "2027-05-03"}
        for title, spent in (("bench", "900"), ("lights", "2000")):
            path = f"{self.url}/delivery/{self.key[title]}"
            ok(
                self.client.post(
                    f"{path}/milestones", json=done | {"status": "delivered"}, headers=self.staff
                )
            )
            spend = {"amount": spent, "on": "2027-05-03"}
            ok(self.client.post(f"{path}/spending", json=spend, headers=self.staff))
        under_way = {"title": "Dug", "planned": "2027-09-01", "status": "in_progress"}
        ok(
            self.client.post(
                f"{self.url}/delivery/{self.key['pond']}/milestones",
                json=under_way,
                headers=self.staff,
            )
        )
        cancel = {"reason": "the police already film the square"}
        ok(
            self.client.post(
                f"{self.url}/delivery/{self.key['cameras']}/cancel", json=cancel, headers=self.staff
            )
        )

    def assess(self, code: str, title: str, **answers: Any) -> Any:
        path = f"{self.url}/assessment/{self.key.get(title, title)}"
        return self.client.post(path, json=answers, headers=as_voter(code))

    def revise(self, code: str, title: str, **answers: Any) -> Any:
        path = f"{self.url}/assessment/{self.key.get(title, title)}"
        return self.client.put(path, json=answers, headers=as_voter(code))

    def record(self) -> dict[str, Any]:
        record: dict[str, Any] = ok(self.client.get(f"{self.url}/record", headers=self.staff))
        outcome = replay(record)
        assert outcome.ok, outcome.problem
        return record


def test_volunteers_help_and_only_the_council_sees_who(client: Client, engine: Engine) -> None:
    r = Delivered(client, engine)
    bench = r.key["bench"]
    offer = {
        "name": "Ada from number 12",
        "kind": "resident",
        "offer": "I can paint the bench with the children of our street",
        "contact": CONTACT,
    }
    signed = ok(client.post(f"{r.url}/delivery/{bench}/volunteers", json=offer), 201)
    assert CONTACT not in json.dumps(signed)
    group = {**offer, "name": "Friends of the Park", "kind": "organisation"}
    ok(
        client.post(f"{r.url}/delivery/{bench}/volunteers", json=group | {"contact": "555-0101"}),
        201,
    )
    # Every field is bounded, and refused naming it.
    for field, value in (
        ("offer", "x" * 2001),
        ("contact", "y" * 201),
        ("name", ""),
        ("kind", "company"),
    ):
        refused(
            client.post(f"{r.url}/delivery/{bench}/volunteers", json={**offer, field: value}),
            400,
            field,
        )
    r.deliver()
    listing = f"{r.url}/volunteers"
    resident = as_voter(r.codes["North"][0])
    refused(client.get(listing, headers=resident), 403)
    refused(client.get(listing), 401)
    refused(client.get(listing, headers=bearer(engine, "council", "Elsewhere")), 404)
    ada, friends = ok(client.get(listing, headers=r.staff))
    assert (ada["contact"], friends["contact"], friends["kind"]) == (
        CONTACT,
        "555-0101",
        "organisation",
    )
    mark = {"took_part": True, "note": "painted it on 3 May"}
    refused(
        client.post(f"{listing}/{ada['volunteer']}/took-part", json=mark, headers=resident), 403
    )
    marked = ok(client.post(f"{listing}/{ada['volunteer']}/took-part", json=mark, headers=r.staff))
    assert (marked["took_part"], marked["note"]) == (True, "painted it on 3 May")

    record = r.record()
    text = json.dumps(record)
    for private in (CONTACT, "555-0101", "Ada from number 12", "paint the bench", "3 May"):
        assert private not in text
        assert private not in json.dumps(ok(client.get(f"{r.url}/delivery")))
    kinds = [e["type"] for e in record["events"]]
    assert kinds.count("codelivery.signed_up") == 2
    assert kinds.count("codelivery.took_part") == 1


COMMENT = "Lovely, but it faces the car park"
ANSWER = {"text": "We will plant a hedge between the bench and the car park."}


def assessed(client: Client, engine: Engine) -> Delivered:
    """Riverside in assessment: the first North resident assessed the bench and revised it;
    the second assessed the bench and the lights, a South resident the lights, and a
    resident with a code issued for the assessment (South) the bench."""
    r = Delivered(client, engine)
    north_1, north_2 = r.codes["North"]
    r.deliver()
    order = {"count": 1, "district": "South"}
    made = ok(client.post(f"{r.url}/assessment-codes", json=order, headers=r.staff), 201)
    r.move("assessment")
    first = ok(r.assess(north_1, "bench", happened="yes", used="yes", helped={"parks": 4}), 201)
    assert first["replaced"] is False
    assert first["assessment"]["assessor"].startswith("a-")
    revision = {"happened": "yes", "used": "partly", "helped": {"parks": 3}, "comment": COMMENT}
    # A second assessment is refused, storing nothing; the resident revises the first.
    refused(r.assess(north_1, "bench", **revision), 409, "project")
    refused(r.revise(north_2, "bench", **revision), 404, "project")
    revised = ok(r.revise(north_1, "bench", **revision))
    assert revised["replaced"] is True
    assert "replaces your earlier assessment" in revised["message"]
    assert revised["assessment"]["assessor"] == first["assessment"]["assessor"]
    ok(r.assess(north_2, "bench", happened="partly", used="dont_know", helped={"parks": 2}), 201)
    ok(r.assess(north_2, "lights", happened="yes", used="yes", helped={"parks": 5, "safe": 3}), 201)
    south = r.codes["South"][0]
    ok(r.assess(south, "lights", happened="yes", used="yes", helped={"safe": 4}), 201)
    ok(r.assess(made["codes"][0], "bench", happened="yes", used="yes", helped={"parks": 5}), 201)
    return r


def test_assessment_codes_and_the_assessments_phase(client: Client, engine: Engine) -> None:
    r = Delivered(client, engine)
    north = r.codes["North"][0]
    codes = f"{r.url}/assessment-codes"
    refused(client.post(codes, json={"count": 1}, headers=r.staff), 409, "phase")
    r.deliver()
    refused(client.post(codes, json={"count": 1}, headers=as_voter(north)), 403)
    refused(client.post(codes, json={"count": 1}, headers=bearer(engine, "council", "Else")), 404)
    west = {"count": 1, "district": "West"}
    refused(client.post(codes, json=west, headers=r.staff), 422, "district")
    [code] = ok(client.post(codes, json={"count": 1}, headers=r.staff), 201)["codes"]
    refused(r.assess(north, "bench", happened="yes", used="yes"), 409, "phase")
    refused(client.get(f"{r.url}/assessment"), 409, "phase")
    # An assessment code votes nowhere and reads no council's page.
    refused(client.get(f"{r.url}/volunteers", headers=as_voter(code)), 403)
    r.move("assessment")
    ok(r.assess(code, "bench", happened="yes", used="yes"), 201)
    r.move("archived")
    refused(r.assess(code, "bench", happened="no", used="no"), 409, "phase")
    refused(r.assess(north, "bench", happened="no", used="no"), 409, "phase")
    refused(client.post(codes, json={"count": 1}, headers=r.staff), 409, "phase")


def test_an_assessment_is_refused_naming_its_field(client: Client, engine: Engine) -> None:
    r = assessed(client, engine)
    north_1, north_2 = r.codes["North"]
    for answers, field in (
        ({"happened": "maybe", "used": "yes"}, "happened"),
        ({"happened": "yes"}, "used"),
        ({"happened": "yes", "used": "yes", "helped": {"safe": 3}}, "helped.safe"),
        ({"happened": "yes", "used": "yes", "helped": {"parks": 6}}, "helped.parks"),
        ({"happened": "yes", "used": "yes", "helped": {"parks": True}}, "helped.parks"),
        ({"happened": "yes", "used": "yes", "comment": "z" * 2001}, "comment"),
    ):
        refused(r.assess(north_2, "bench", **answers), 422, field)
    refused(r.assess(north_2, "pond", happened="partly", used="no"), 409, "project")
    refused(r.assess(north_2, "cameras", happened="no", used="no"), 409, "project")
    refused(r.assess(north_2, "nothing", happened="no", used="no"), 404, "project")
    # A resident edits only their own: another code's assessment stands beside it.
    mine = ok(client.get(f"{r.url}/my-assessments", headers=as_voter(north_1)))
    assert [(a["project"], a["used"], a["comment"]) for a in mine] == [
        (r.key["bench"], "partly", COMMENT)
    ]
    refused(client.get(f"{r.url}/my-assessments"), 401)
    # Staff and auditors do not assess.
    assessing = f"{r.url}/assessment/{r.key['bench']}"
    body = {"happened": "yes", "used": "yes"}
    refused(client.post(assessing, json=body, headers=r.staff), 403, "authorization")
    refused(client.post(assessing, json=body, headers=bearer(engine, "auditor", COUNCIL)), 403)
    refused(client.post(assessing, json=body), 401, "authorization")
    answering = f"{assessing}/answer"
    refused(client.post(answering, json=ANSWER, headers=as_voter(north_1)), 403)
    elsewhere = bearer(engine, "council", "Elsewhere")
    refused(client.post(answering, json=ANSWER, headers=elsewhere), 404)
    refused(client.post(answering, json={"text": " "}, headers=r.staff), 422, "text")
    refused(client.post(f"{r.url}/assessment/nothing/answer", json=ANSWER, headers=r.staff), 404)
    # Nothing refused was stored: six assessments, the revision among them.
    assert ok(client.get(f"{r.url}/assessment"))["respondents"] == 4
    assert sum(e["type"] == "assessment.submitted" for e in r.record()["events"]) == 6


def test_the_assessment_summed_up_and_answered_in_public(client: Client, engine: Engine) -> None:
    r = assessed(client, engine)
    answering = f"{r.url}/assessment/{r.key['bench']}/answer"
    thanks = ok(client.post(answering, json={"text": "Thank you."}, headers=r.staff))
    assert thanks["replaced"] is False
    assert ok(client.post(answering, json=ANSWER, headers=r.staff))["replaced"] is True

    shown = ok(client.get(f"{r.url}/assessment"))
    assert (shown["respondents"], shown["by_district"]) == (4, {"North": 2, "South": 2})
    projects = {p["project"]: p for p in shown["projects"]}
    bench = projects[r.key["bench"]]
    assert bench["respondents"] == 3
    assert bench["happened"] == {"yes": 2, "partly": 1, "no": 0}
    assert bench["used"] == {"yes": 1, "partly": 1, "no": 0, "dont_know": 1}
    assert bench["helped"]["parks"] == {
        "respondents": 3,
        "distribution": {"1": 0, "2": 1, "3": 1, "4": 0, "5": 1},
        "mean": "3.33",
    }
    assert bench["by_district"] == {"North": 2, "South": 1}
    [comment] = bench["comments"]
    assert comment["comment"] == COMMENT
    assert bench["answer"] == ANSWER["text"]
    assert projects[r.key["pond"]]["state"] == "in_progress"
    assert projects[r.key["cameras"]]["respondents"] == 0
    outcomes = {o["key"]: o for o in shown["outcomes"]}
    assert outcomes["parks"]["projects"] == [r.key["bench"], r.key["lights"]]
    assert (outcomes["parks"]["respondents"], outcomes["parks"]["scores"]) == (3, 4)
    assert outcomes["parks"]["mean"] == "3.75"
    assert (outcomes["safe"]["mean"], outcomes["safe"]["by_district"]) == (
        "3.50",
        {"North": 1, "South": 1},
    )
    r.move("archived")
    refused(client.post(answering, json=ANSWER, headers=r.staff), 409, "phase")
    assert ok(client.get(f"{r.url}/assessment")) == {**shown, "phase": "archived"}

    # The record holds every assessment and revision under assessor keys that are not the
    # ballots' voter keys, the comment only as its digest (which the published salt
    # checks), the council's answers in full, and it replays.
    record = r.record()
    events = record["events"]
    logged = [e["payload"] for e in events if e["type"] == "assessment.submitted"]
    voters = {e["payload"]["voter"] for e in events if e["type"] == "ballot.cast"}
    assert not voters & {a["assessor"] for a in logged}
    assert sum(a["replaces"] is not None for a in logged) == 1
    assert COMMENT not in json.dumps(record)
    digest = hashlib.sha256(f"{comment['salt']}\n{COMMENT}".encode()).hexdigest()
    assert [a["comment"] for a in logged if a["comment"]] == [digest]
    assert [e["payload"]["text"] for e in events if e["type"] == "assessment.answered"] == [
        "Thank you.",
        ANSWER["text"],
    ]


def test_a_forged_assessment_does_not_replay(client: Client, engine: Engine) -> None:
    r = Delivered(client, engine)
    r.deliver()
    r.move("assessment")
    code = r.codes["North"][0]
    ok(r.assess(code, "bench", happened="yes", used="yes"), 201)
    ok(r.revise(code, "bench", happened="no", used="no"))
    record = r.record()
    events = record["events"]

    def forged(change: Any) -> str:
        copied = json.loads(json.dumps(events))
        change([e for e in copied if e["type"] == "assessment.submitted"])
        result = replay(relinked(record, copied))
        assert not result.ok
        return result.problem or ""

    def second_without_replaces(found: list[dict[str, Any]]) -> None:
        found[1]["payload"]["replaces"] = None

    def cancelled_project(found: list[dict[str, Any]]) -> None:
        found[0]["payload"]["project"] = r.key["cameras"]

    def never_issued(found: list[dict[str, Any]]) -> None:
        found[0]["payload"]["source"] = "assessment"

    assert "replaces" in forged(second_without_replaces)
    assert "not delivered" in forged(cancelled_project)
    assert "no assessment code was issued" in forged(never_issued)


def test_a_code_of_another_round_does_not_assess(client: Client, engine: Engine) -> None:
    first, second = Delivered(client, engine), Delivered(client, engine)
    for r in (first, second):
        r.deliver()
        r.move("assessment")
    stranger = second.codes["North"][0]
    refused(first.assess(stranger, "bench", happened="yes", used="yes"), 403, "authorization")
    refused(client.get(f"{first.url}/my-assessments", headers=as_voter(stranger)), 403)


def assessed_and_carried(client: Client, engine: Engine, council: str) -> Delivered:
    """Riverside delivered, its released money carried (the cameras' 1,500 and the 100 the
    bench saved), and in assessment: a North resident scored the bench's help to parks 4,
    a South resident the lights' 2 for parks and 5 for safety."""
    r = Delivered(client, engine, council=council)
    r.deliver()
    assert ok(client.post(f"{r.url}/reallocation", headers=r.staff))["carried"] == "1600"
    r.move("assessment")
    north, south = r.codes["North"][0], r.codes["South"][0]
    ok(r.assess(north, "bench", happened="yes", used="yes", helped={"parks": 4}), 201)
    ok(r.assess(south, "lights", happened="yes", used="yes", helped={"parks": 2, "safe": 5}), 201)
    return r


def test_outcome_priorities_round_over_round(client: Client, engine: Engine) -> None:
    # A council of its own: PostgreSQL's database is shared by the whole test run.
    council = f"Riverside {uuid.uuid4().hex[:8]}"
    r = assessed_and_carried(client, engine, council)
    later = Delivered(client, engine, budget="5000", council=council)
    draft = {"title": "Not yet", "budget": "10"}
    ok(client.post("/api/v1/rounds", json=draft, headers=r.staff), 201)

    history = ok(client.get(f"/api/v1/councils/{council}/outcomes"))
    assert history["rounds"] == [r.id, later.id]  # not the draft
    outcomes = {o["key"]: o["rounds"] for o in history["outcomes"]}
    assert [x["round"] for x in outcomes["parks"]] == [r.id, later.id]
    parks, safe = outcomes["parks"][0], outcomes["safe"][0]
    assert (parks["funded_projects"], parks["funded_cost"], parks["delivered_projects"]) == (
        3,
        "6000",
        2,
    )
    assert (parks["spent"], parks["respondents"], parks["mean_help"]) == ("2900", 2, "3.00")
    assert (safe["funded_cost"], safe["delivered_projects"], safe["cancelled_projects"]) == (
        "3500",
        1,
        1,
    )
    assert (safe["spent"], safe["mean_help"]) == ("2000", "5.00")
    assert outcomes["parks"][1]["respondents"] == 0

    exported = client.get(f"/api/v1/councils/{council}/outcomes.csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(lines) == 4
    first = lines[0]
    assert (first["outcome"], first["round"], first["funded_cost"], first["mean_help"]) == (
        "parks",
        str(r.id),
        "6000",
        "3.00",
    )
    refused(client.get("/api/v1/councils/Nowhere/outcomes"), 404, "council")


def test_the_next_round_starts_from_the_assessed_priorities(client: Client, engine: Engine) -> None:
    r = assessed_and_carried(client, engine, COUNCIL)
    nxt = f"{r.url}/successor"
    north = as_voter(r.codes["North"][0])
    refused(client.post(nxt, json={"budget": "8000"}, headers=north), 403)
    elsewhere = bearer(engine, "council", "Else")
    refused(client.post(nxt, json={"budget": "8000"}, headers=elsewhere), 404)
    refused(client.post(nxt, json={"budget": "-1"}, headers=r.staff), 400, "budget")
    made = ok(client.post(nxt, json={"budget": "8000"}, headers=r.staff), 201)
    assert (made["from_round"], made["budget_given"], made["carried"]) == (r.id, "8000", "1600")
    new = made["round"]
    assert (new["phase"], new["budget"], new["title"]) == (
        "draft",
        "9600",
        "Riverside 2026 (next round)",
    )
    assert [d["name"] for d in new["districts"]] == ["North", "South"]
    assert (new["categories"], new["ballot"]["max_length"], new["reallocation"]) == (
        ["green"],
        4,
        "carry",
    )
    described = {o["key"]: o["description"] for o in new["outcomes"]}
    assert f"In round {r.id} (Riverside 2026)" in described["parks"]
    assert "2 delivered" in described["parks"]
    assert "mean help 3.00 of 5" in described["parks"]
    assert "mean help 5.00 of 5" in described["safe"]
    assert ok(client.get(f"/api/v1/rounds/{new['id']}"))["outcomes"] == new["outcomes"]
    # A draft's record waits for its vote to close; the operator's export replays.
    refused(client.get(f"/api/v1/rounds/{new['id']}/record", headers=r.staff), 409, "phase")
    with Session(engine) as session:
        record = AuditService(session).record(OPERATOR, new["id"]).model_dump(mode="json")
    assert replay(record).ok
    # A draft has no result to start from.
    again = client.post(
        f"/api/v1/rounds/{new['id']}/successor", json={"budget": "1"}, headers=r.staff
    )
    refused(again, 409, "phase")
    plain = {"budget": "8000", "carry": False, "title": "2028"}
    uncarried = ok(client.post(nxt, json=plain, headers=r.staff), 201)
    assert (uncarried["round"]["budget"], uncarried["carried"]) == ("8000", "0")
