"""Paper ballots entered twice by two staff members, reconciled, then counted all at once.

Over HTTP against the real app, on SQLite and on PostgreSQL (docs/voting.md,
"Paper batches").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from pbengine.service.audit import AuditService
from pbengine.service.errors import OPERATOR
from pbengine.service.replay import replay
from pbengine.store.tables import PaperDecisionRow, PaperEntryRow
from tests.integration.http import Client, as_voter, bearer, ok, refused, running_app
from tests.integration.records import relinked

COUNCIL = "Paper"


@pytest.fixture
def client(engine: Engine) -> Iterator[Client]:
    with running_app(engine) as test_client:
        yield test_client


class PaperRound:
    """A round open for voting with four projects, two outcome priorities, six codes and
    three staff members: Ana and Ben enter passes, Kim resolves and counts."""

    def __init__(self, client: Client, engine: Engine) -> None:
        self.client = client
        self.ana = bearer(engine, "council", COUNCIL, name="Ana")
        self.ben = bearer(engine, "council", COUNCIL, name="Ben")
        self.kim = bearer(engine, "council", COUNCIL, name="Kim")
        self.auditor = bearer(engine, "auditor", COUNCIL)
        self.engine = engine
        config = {
            "title": "Paper",
            "budget": "10000",
            "outcomes": [{"key": "parks", "title": "Parks"}, {"key": "safe", "title": "Safe"}],
            "ballot": {"type": "approval", "max_length": 2},
        }
        made = ok(client.post("/api/v1/rounds", json=config, headers=self.ana), 201)
        self.url = f"/api/v1/rounds/{made['id']}"
        self.move("proposals")
        self.projects = []
        for title in "abcd":
            proposal = {"title": title, "cost_estimate": "1000", "outcomes": ["parks"]}
            self.projects.append(ok(client.post(f"{self.url}/projects", json=proposal), 201)["id"])
        self.move("review")
        for project in self.projects:
            review = {"decision": "accept", "cost": "1000"}
            url = f"{self.url}/projects/{project}/review"
            ok(client.post(url, json=review, headers=self.ana))
        self.move("voting")
        issued = client.post(f"{self.url}/voter-codes", json={"count": 6}, headers=self.ana)
        self.codes: list[str] = ok(issued, 201)["codes"]

    def move(self, phase: str) -> None:
        ok(self.client.post(f"{self.url}/phase", json={"phase": phase}, headers=self.ana))

    def open(self, label: str, papers: int | None = None) -> str:
        body = {"label": label, "papers": papers}
        made = ok(self.client.post(f"{self.url}/paper-batches", json=body, headers=self.ana), 201)
        assert made["status"] == "open"
        return f"{self.url}/paper-batches/{made['id']}"

    def enter(self, batch: str, staff: dict[str, str], code: str, **ballot: Any) -> Any:
        body = {"voter_code": code, **ballot}
        return self.client.post(f"{batch}/ballots", json=body, headers=staff)

    def show(self, batch: str, staff: dict[str, str] | None = None) -> dict[str, Any]:
        shown: dict[str, Any] = ok(self.client.get(batch, headers=staff or self.kim))
        return shown

    def resolve(self, batch: str, **decision: Any) -> Any:
        return self.client.post(f"{batch}/resolutions", json=decision, headers=self.kim)

    def count(self, batch: str) -> Any:
        return self.client.post(f"{batch}/count", headers=self.kim)

    def by_channel(self) -> dict[str, int]:
        counted: dict[str, int] = ok(self.client.get(f"{self.url}/ballots/count"))["by_channel"]
        return counted

    def record(self) -> dict[str, Any]:
        """The record as the operator exports it: auditors get it only once voting closes."""
        round_id = int(self.url.rsplit("/", 1)[1])
        with Session(self.engine) as session:
            exported = AuditService(session).record(OPERATOR, round_id)
        record: dict[str, Any] = exported.model_dump(mode="json")
        outcome = replay(record)
        assert outcome.ok, outcome.problem
        return record


def hint(code: str) -> str:
    return code.replace("-", "")[-4:]


def test_a_batch_entered_twice_reconciled_and_counted(client: Client, engine: Engine) -> None:
    r = PaperRound(client, engine)
    batch = r.open("Library box 3", papers=3)
    enter_pass_1(r, batch)
    enter_pass_2(r, batch)
    reconcile(r, batch)
    counted = ok(r.count(batch))
    assert counted["ballots"] == 3
    assert r.by_channel() == {"paper": 3}
    events = r.record()["events"]
    check_counted_in_the_record(r, events, counted)

    # A counted batch is closed.
    refused(r.enter(batch, r.ana, r.codes[5], projects=[r.projects[0]]), 409, "batch")
    refused(r.count(batch), 409, "batch")
    listed = ok(client.get(f"{r.url}/paper-batches", headers=r.ana))
    assert [(b["label"], b["status"], b["counted_by"]) for b in listed] == [
        ("Library box 3", "counted", "Kim")
    ]

    # The codes are kept only as digests, with their last characters for people.
    with Session(engine) as session:
        rows = [
            *session.exec(select(PaperEntryRow)).all(),
            *session.exec(select(PaperDecisionRow)).all(),
        ]
    stored = " ".join(str(row.model_dump()) for row in rows)
    for code in r.codes:
        assert code not in stored
        assert code.replace("-", "") not in stored
    assert hint(r.codes[0]) in stored
    assert not any(code in str(events) for code in r.codes)
    assert hint(r.codes[0]) not in str(events[-1])


def enter_pass_1(r: PaperRound, batch: str) -> None:
    a, b, c, _ = r.projects
    # Entries are checked at once, while the paper is in hand; a refusal stores nothing.
    refused(r.enter(batch, r.ana, "ABCD-EFGH-JKLM-NPQR", projects=[a]), 422, "voter_code")
    refused(r.enter(batch, r.ana, r.codes[0], projects=[a, b, c]), 422, "max_length")
    refused(r.enter(batch, r.ana, r.codes[0], projects=["nope"]), 422, "projects")
    refused(r.enter(batch, r.ana, r.codes[0], outcomes=["roads"]), 422, "outcomes")

    first = ok(r.enter(batch, r.ana, r.codes[0], projects=[a]), 201)
    assert (first["pass_number"], first["position"], first["next_position"]) == (1, 1, 2)
    assert first["ballot"]["code_hint"] == hint(r.codes[0])
    ok(r.enter(batch, r.ana, r.codes[1], projects=[a, b]), 201)
    ok(r.enter(batch, r.ana, r.codes[2], projects=[c], outcomes=["parks"]), 201)
    # The batch holds three papers: a fourth entry in a pass is refused.
    refused(r.enter(batch, r.ana, r.codes[4], projects=[a]), 409, "position")

    # Ana cannot take pass 2 as well, whether or not it is free.
    problem = refused(r.enter(batch, r.ana, r.codes[0], projects=[a], pass_number=2), 409)
    assert problem["field"] == "pass_number"
    assert "another staff member" in problem["problem"]


def enter_pass_2(r: PaperRound, batch: str) -> None:
    a, b, c, _ = r.projects
    client = r.client
    # Ben takes pass 2 by entering; his reading differs on position 2's choices and
    # position 3's code. He corrects a slip of his own on position 1.
    slip = ok(r.enter(batch, r.ben, r.codes[0], projects=[b]), 201)
    assert slip["pass_number"] == 2
    correction = {"voter_code": r.codes[0], "projects": [a]}
    fixed = ok(client.put(f"{batch}/ballots/1", json=correction, headers=r.ben))
    assert fixed["corrections"] == 1
    same = {"voter_code": r.codes[0], "projects": [a]}
    refused(client.put(f"{batch}/ballots/1", json=same, headers=r.kim), 403, "pass_number")
    refused(client.put(f"{batch}/ballots/9", json=same, headers=r.ben), 404, "position")
    ok(r.enter(batch, r.ben, r.codes[1], projects=[a, c]), 201)
    ok(r.enter(batch, r.ben, r.codes[3], projects=[c], outcomes=["parks"]), 201)
    refused(r.enter(batch, r.ana, r.codes[0], projects=[a], pass_number=2), 409, "pass_number")

    # A third staff member cannot enter a third pass.
    third = refused(r.enter(batch, r.kim, r.codes[0], projects=[a]), 409, "pass_number")
    assert "pass 1 by Ana, pass 2 by Ben" in third["problem"]

    # Each sees their own pass.
    mine = ok(client.get(f"{batch}/ballots", headers=r.ben))
    assert [(e["position"], e["ballot"]["projects"]) for e in mine] == [
        (1, [a]),
        (2, [a, c]),
        (3, [c]),
    ]
    assert ok(client.get(f"{batch}/ballots", headers=r.kim)) == []


def reconcile(r: PaperRound, batch: str) -> None:
    a, b, c, _ = r.projects
    view = r.show(batch)
    assert [p["staff"] for p in view["passes"]] == ["Ana", "Ben"]
    assert [(d["position"], d["differs"]) for d in view["reconciliation"]] == [
        (2, ["choices"]),
        (3, ["code"]),
    ]
    code_disagreement = view["reconciliation"][1]
    assert code_disagreement["pass_1"]["code_hint"] == hint(r.codes[2])
    assert code_disagreement["pass_2"]["code_hint"] == hint(r.codes[3])
    assert (view["unresolved"], view["reconciled"], view["ready"]) == (2, False, False)
    assert r.show(batch, r.ben)["your_pass"] == 2

    # Counting waits for every disagreement to be resolved.
    blocked = refused(r.count(batch), 409, "batch")
    assert [p["field"] for p in blocked["problems"]] == ["position", "position"]
    assert r.by_channel() == {}

    refused(r.resolve(batch, position=2, choice="pass_2", note=" "), 422, "note")
    refused(r.resolve(batch, position=3, choice="typed", note="x"), 422, "ballot")
    refused(r.resolve(batch, position=7, choice="pass_1", note="x"), 404, "position")
    wrong = {"voter_code": r.codes[2], "projects": [a, b, c]}
    refused(r.resolve(batch, position=3, choice="typed", ballot=wrong, note="x"), 422, "max_length")
    ok(r.resolve(batch, position=2, choice="pass_1", note="the cross is on b, not c"))
    typed = {"voter_code": r.codes[2], "projects": [c], "outcomes": ["parks"]}
    view = ok(r.resolve(batch, position=3, choice="typed", ballot=typed, note="code as on pass 1"))
    assert (view["unresolved"], view["reconciled"], view["problems"], view["ready"]) == (
        0,
        True,
        [],
        True,
    )
    assert view["reconciliation"][0]["decision"]["by"] == "Kim"


def check_counted_in_the_record(
    r: PaperRound, events: list[dict[str, Any]], counted: dict[str, Any]
) -> None:
    a, b, c, _ = r.projects
    *casts, event = events[-4:]
    assert [e["type"] for e in casts] == ["ballot.cast"] * 3
    assert [e["hash"] for e in casts] == counted["trackers"]
    assert [e["payload"]["channel"] for e in casts] == ["paper"] * 3
    assert [e["payload"]["staff"] for e in casts] == ["Kim"] * 3
    opened = r.record()["openings"]
    assert [opened[e["hash"]]["ballot"]["projects"] for e in casts] == [[a], [a, b], [c]]
    assert event["type"] == "paper_batch.counted"
    assert event["hash"] == counted["event"]
    payload = event["payload"]
    assert (payload["label"], payload["ballots"], payload["pass_1"], payload["pass_2"]) == (
        "Library box 3",
        3,
        "Ana",
        "Ben",
    )
    assert payload["disagreements"] == 2
    assert [(d["position"], d["choice"], d["by"]) for d in payload["decisions"]] == [
        (2, "pass_1", "Kim"),
        (3, "typed", "Kim"),
    ]


def test_replay_refuses_a_batch_event_that_lies(client: Client, engine: Engine) -> None:
    r = PaperRound(client, engine)
    a, *_ = r.projects
    batch = r.open("Box 1")
    for staff in (r.ana, r.ben):
        ok(r.enter(batch, staff, r.codes[0], projects=[a]), 201)
        ok(r.enter(batch, staff, r.codes[1], projects=[a]), 201)
    ok(r.count(batch))
    record = r.record()
    events = record["events"]

    one_person = [dict(e) for e in events]
    one_person[-1] = {**events[-1], "payload": {**events[-1]["payload"], "pass_2": "Ana"}}
    checked = replay(relinked(record, one_person))
    assert not checked.ok
    assert "two different staff members" in (checked.problem or "")

    # A ballot of the batch removed from the log: the event no longer follows its ballots.
    dropped = replay(relinked(record, [*events[:-3], *events[-2:]]))
    assert not dropped.ok
    assert "just before it" in (dropped.problem or "")


def test_a_code_that_voted_online_blocks_the_batch_until_set_aside(
    client: Client, engine: Engine
) -> None:
    r = PaperRound(client, engine)
    a, b, *_ = r.projects
    ok(client.post(f"{r.url}/ballots", json={"projects": [b]}, headers=as_voter(r.codes[0])), 201)
    batch = r.open("Town hall desk")
    for staff in (r.ana, r.ben):
        entered = ok(r.enter(batch, staff, r.codes[0], projects=[a]), 201)
        assert "online ballot" in entered["notes"][0]
        ok(r.enter(batch, staff, r.codes[1], projects=[a]), 201)

    view = r.show(batch)
    assert (view["reconciled"], view["ready"]) == (True, False)
    (problem,) = view["problems"]
    assert (problem["position"], problem["field"]) == (1, "voter_code")
    assert "online ballot" in problem["problem"]
    assert hint(r.codes[0]) in problem["problem"]

    blocked = refused(r.count(batch), 409, "batch")
    assert "online ballot" in blocked["problem"]
    assert "override" in blocked["problems"][0]["fix"]
    assert r.by_channel() == {"online": 1}  # nothing of the batch counted

    note = "the resident voted online; paper put with the spoilt ones"
    view = ok(r.resolve(batch, position=1, choice="set_aside", note=note))
    assert view["ready"]
    assert ok(r.count(batch))["ballots"] == 1
    assert r.by_channel() == {"online": 1, "paper": 1}
    payload = r.record()["events"][-1]["payload"]
    assert (payload["ballots"], payload["disagreements"]) == (1, 0)
    assert payload["decisions"] == [
        {"position": 1, "differs": [], "choice": "set_aside", "by": "Kim", "note": note}
    ]


def test_only_the_rounds_council_staff_handle_its_batches(client: Client, engine: Engine) -> None:
    r = PaperRound(client, engine)
    a, *_ = r.projects
    batch = r.open("Box 1")
    refused(
        client.post(f"{r.url}/paper-batches", json={"label": "Box 1"}, headers=r.ana), 409, "label"
    )

    elsewhere = bearer(engine, "council", "Elsewhere", name="Eve")
    for response in (
        client.get(f"{r.url}/paper-batches", headers=elsewhere),
        client.get(batch, headers=elsewhere),
        client.post(f"{r.url}/paper-batches", json={"label": "Box 2"}, headers=elsewhere),
        r.enter(batch, elsewhere, r.codes[0], projects=[a]),
        client.post(f"{batch}/count", headers=elsewhere),
    ):
        refused(response, 404, "id")
    refused(client.get(f"{r.url}/paper-batches/999", headers=r.ana), 404, "batch")

    resident = as_voter(r.codes[0])
    refused(r.enter(batch, resident, r.codes[0], projects=[a]), 403, "authorization")
    refused(client.get(batch, headers=resident), 403, "authorization")
    refused(client.get(batch, headers=r.auditor), 403, "authorization")
    refused(client.get(batch), 401, "authorization")
    refused(client.post(f"{batch}/count"), 401, "authorization")

    # A batch opens only while voting is open.
    r.move("closed")
    refused(
        client.post(f"{r.url}/paper-batches", json={"label": "Late"}, headers=r.ana), 409, "phase"
    )
