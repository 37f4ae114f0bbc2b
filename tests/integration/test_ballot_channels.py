"""No ballot channel overwrites another silently, and a revote keeps what it leaves out.

Over HTTP against the real app, on SQLite and on PostgreSQL. The policy is in
docs/voting.md: a code that has voted cannot be entered again by staff
unless they override it with a reason the round's record keeps; a paper
ballot is final online; a revote online keeps the parts it leaves out.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from pbengine.core.audit.commitment import ballot_contents, commitment
from pbengine.service.audit import AuditService
from pbengine.service.errors import OPERATOR
from pbengine.service.events import ballot_nonce
from pbengine.service.replay import replay
from tests.integration.http import Client, as_voter, bearer, ok, refused, running_app


@pytest.fixture
def client(engine: Engine) -> Iterator[Client]:
    with running_app(engine) as test_client:
        yield test_client


class Voting:
    """A round open for voting, with four projects, two outcome priorities and codes."""

    def __init__(
        self, client: Client, engine: Engine, ballot: dict[str, Any], revote: bool = True
    ) -> None:
        self.client = client
        self.staff = bearer(engine, "council", "Channels", name="Lee at the library")
        self.auditor = bearer(engine, "auditor", "Channels")
        self.engine = engine
        config = {
            "title": "Channels",
            "budget": "10000",
            "outcomes": [{"key": "parks", "title": "Parks"}, {"key": "safe", "title": "Safe"}],
            "ballot": ballot,
            "revote": revote,
        }
        made = ok(client.post("/api/v1/rounds", json=config, headers=self.staff), 201)
        self.url = f"/api/v1/rounds/{made['id']}"
        self.move("proposals")
        self.projects = []
        for title in "abcd":
            proposal = {"title": title, "cost_estimate": "1000", "outcomes": ["parks"]}
            self.projects.append(ok(client.post(f"{self.url}/projects", json=proposal), 201)["id"])
        self.move("review")
        for project in self.projects:
            review = {"decision": "accept", "cost": "1000"}
            ok(
                client.post(
                    f"{self.url}/projects/{project}/review", json=review, headers=self.staff
                )
            )
        self.move("voting")
        issued = client.post(f"{self.url}/voter-codes", json={"count": 6}, headers=self.staff)
        self.codes: list[str] = ok(issued, 201)["codes"]

    def move(self, phase: str) -> None:
        ok(self.client.post(f"{self.url}/phase", json={"phase": phase}, headers=self.staff))

    def online(self, code: str, **ballot: Any) -> Any:
        return self.client.post(f"{self.url}/ballots", json=ballot, headers=as_voter(code))

    def entry(self, code: str, channel: str = "paper", **ballot: Any) -> Any:
        body = {"voter_code": code, "channel": channel, **ballot}
        return self.client.post(f"{self.url}/ballots", json=body, headers=self.staff)

    def count(self) -> dict[str, Any]:
        counted: dict[str, Any] = ok(self.client.get(f"{self.url}/ballots/count"))
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

    def ballot_events(self) -> list[dict[str, Any]]:
        return [e for e in self.record()["events"] if e["type"] == "ballot.cast"]


def shown(cast_at: str) -> str:
    """How a refusal names the time of a ballot: its UTC time to the second."""
    return f"{datetime.fromisoformat(cast_at):%Y-%m-%d %H:%M:%S} UTC"


def test_staff_cannot_enter_a_ballot_over_one_already_cast(client: Client, engine: Engine) -> None:
    v = Voting(client, engine, {"type": "approval"})
    a, b, c, d = v.projects
    online = ok(v.online(v.codes[0], projects=[a], outcomes=["parks"]), 201)

    # A paper entry for a resident who voted online: refused, naming how and when.
    for channel in ("paper", "assisted"):
        problem = refused(v.entry(v.codes[0], channel, projects=[b]), 409, "voter_code")["problem"]
        assert "online ballot" in problem
        assert shown(online["cast_at"]) in problem
        assert "override" in problem

    # Nor does a second staff entry replace the first one silently.
    paper = ok(v.entry(v.codes[1], projects=[c]), 201)
    problem = refused(v.entry(v.codes[1], "assisted", projects=[d]), 409, "voter_code")["problem"]
    assert "paper ballot" in problem
    assert shown(paper["cast_at"]) in problem
    # ... and the paper ballot stays final online.
    problem = refused(v.online(v.codes[1], projects=[a]), 409, "voter_code")["problem"]
    assert "final online" in problem
    assert shown(paper["cast_at"]) in problem

    assert v.count()["by_channel"] == {"online": 1, "paper": 1}
    events = v.ballot_events()
    assert [e["hash"] for e in events] == [online["tracker"], paper["tracker"]]


def test_an_override_needs_a_reason_and_the_record_keeps_it(client: Client, engine: Engine) -> None:
    v = Voting(client, engine, {"type": "approval"})
    a, b, *_ = v.projects
    online = ok(v.online(v.codes[0], projects=[a], outcomes=["parks"]), 201)

    refused(v.entry(v.codes[0], projects=[b], override=True), 422, "override_reason")
    refused(v.entry(v.codes[0], projects=[b], override=True, override_reason=" "), 422)
    refused(v.entry(v.codes[0], projects=[b], override_reason="why not"), 422, "override")
    refused(v.online(v.codes[0], projects=[b], override=True, override_reason="me"), 422)
    nothing_cast = v.entry(v.codes[2], projects=[b], override=True, override_reason="x")
    refused(nothing_cast, 422, "override")

    reason = "resident came in with ID: the online ballot was cast by a neighbour"
    replaced = ok(
        v.entry(v.codes[0], projects=[b], override=True, override_reason=f"  {reason} "), 201
    )
    assert replaced["channel"] == "paper"
    assert replaced["replaced_earlier_ballot"]
    assert replaced["ballot"] == {"projects": [b], "points": None, "outcomes": []}
    assert replaced["kept_from_earlier_ballot"] == []  # a staff entry keeps nothing
    # The paper ballot is now the voter's and final online.
    refused(v.online(v.codes[0], projects=[a]), 409, "voter_code")
    assert v.count()["by_channel"] == {"paper": 1}

    first, second = v.ballot_events()
    assert first["hash"] == online["tracker"]
    assert "override_reason" not in first["payload"]
    assert second["hash"] == replaced["tracker"]
    assert second["payload"]["override_reason"] == reason
    assert second["payload"]["replaces"] == online["tracker"]
    assert second["payload"]["staff"] == "Lee at the library"
    assert v.record()["openings"][second["hash"]]["ballot"]["outcomes"] == []


def test_an_override_works_where_revoting_is_off(client: Client, engine: Engine) -> None:
    v = Voting(client, engine, {"type": "approval"}, revote=False)
    a, b, *_ = v.projects
    ok(v.online(v.codes[0], projects=[a]), 201)
    assert "one ballot per code" in refused(v.online(v.codes[0], projects=[b]), 409)["problem"]
    refused(v.entry(v.codes[0], projects=[b]), 409, "voter_code")
    ok(v.entry(v.codes[0], projects=[b], override=True, override_reason="wrong voter"), 201)
    assert v.count()["ballots"] == 1


def test_a_revote_keeps_the_parts_it_leaves_out(client: Client, engine: Engine) -> None:
    v = Voting(client, engine, {"type": "approval", "max_outcomes": 2})
    a, b, c, _ = v.projects
    code = v.codes[0]
    first = ok(v.online(code, projects=[a, b], outcomes=["safe", "parks"]), 201)
    assert first["kept_from_earlier_ballot"] == []

    # Projects only: the outcome priorities stand, and the reply says so.
    revote = ok(v.online(code, projects=[c]), 201)
    assert revote["replaced_earlier_ballot"]
    assert revote["kept_from_earlier_ballot"] == ["outcomes"]
    assert revote["ballot"] == {"projects": [c], "points": None, "outcomes": ["safe", "parks"]}

    # Outcomes only: the projects stand.
    again = ok(v.online(code, outcomes=["parks"]), 201)
    assert again["kept_from_earlier_ballot"] == ["projects"]
    assert again["ballot"] == {"projects": [c], "points": None, "outcomes": ["parks"]}

    # An empty list is said, not left out: it names none.
    cleared = ok(v.online(code, projects=[a], outcomes=[]), 201)
    assert cleared["kept_from_earlier_ballot"] == []
    assert cleared["ballot"]["outcomes"] == []
    refused(v.online(code), 422, "projects")  # a revote that says nothing

    # The log commits to each whole ballot, and the record opens the one counted.
    events = v.ballot_events()
    whole = [([a, b], ["safe", "parks"]), ([c], ["safe", "parks"]), ([c], ["parks"]), ([a], [])]
    round_id = int(v.url.rsplit("/", 1)[1])
    for number, (event, (projects, outcomes)) in enumerate(zip(events, whole, strict=True)):
        nonce = ballot_nonce(round_id, event["payload"]["voter"], number)
        contents = ballot_contents(projects, None, outcomes, {})
        assert commitment(nonce, contents) == event["payload"]["commitment"]
    assert v.record()["openings"] == {
        events[-1]["hash"]: {"nonce": nonce, "ballot": ballot_contents([a], None, [], {})}
    }
    assert v.count()["ballots"] == 1

    # A first ballot keeps nothing: what it leaves out is empty.
    fresh = ok(v.online(v.codes[1], outcomes=["safe"]), 201)
    assert fresh["ballot"] == {"projects": [], "points": None, "outcomes": ["safe"]}
    # Staff entries are whole ballots too.
    paper = ok(v.entry(v.codes[2], projects=[b]), 201)
    assert paper["ballot"]["outcomes"] == []


def test_a_revote_keeps_points_it_leaves_out(client: Client, engine: Engine) -> None:
    v = Voting(client, engine, {"type": "cumulative", "max_sum_points": "10"})
    a, b, *_ = v.projects
    code = v.codes[0]
    ok(v.online(code, points={a: "7", b: "3"}), 201)
    revote = ok(v.online(code, outcomes=["parks"]), 201)
    assert revote["kept_from_earlier_ballot"] == ["points"]
    assert revote["ballot"] == {"projects": [a, b], "points": ["7", "3"], "outcomes": ["parks"]}
    changed = ok(v.online(code, points={b: "10"}), 201)
    assert changed["kept_from_earlier_ballot"] == ["outcomes"]
    assert changed["ballot"] == {"projects": [b], "points": ["10"], "outcomes": ["parks"]}
    refused(v.online(code, projects=[a]), 422, "projects")
