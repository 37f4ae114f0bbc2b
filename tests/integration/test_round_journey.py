"""A round from draft to published, as a council, residents and an auditor live it, over HTTP.

Runs against the real app on SQLite and on PostgreSQL. The allocation's
right answer is worked out below from the ballots cast, not recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from pbengine.formats.pabulib import read_text
from pbengine.service.replay import replay
from pbengine.store.tables import BallotRow
from tests.integration.http import Client, as_voter, bearer, ok, refused, running_app

CONFIG: dict[str, Any] = {
    "title": "Co-commissioning 2027",
    "budget": "100000",
    "currency": "GBP",
    "districts": [
        {"name": "North", "budget": "40000", "population": 6000},
        {"name": "South", "budget": "30000", "population": 4000},
    ],
    "categories": ["care", "streets"],
    "outcomes": [
        {"key": "older-people", "title": "Fewer isolated older people"},
        {"key": "school-routes", "title": "Safer routes to school"},
    ],
    "ballot": {"type": "approval", "max_length": 2, "max_outcomes": 1},
    "rule": "greedy",
}


@pytest.fixture
def client(engine: Engine) -> Iterator[Client]:
    with running_app(engine) as test_client:
        yield test_client


class Round:
    """One round's URLs, and the people acting on it."""

    def __init__(self, client: Client, engine: Engine) -> None:
        self.client = client
        self.staff = bearer(engine, "council", "Riverside", name="Ana at the library")
        self.other_council = bearer(engine, "council", "Hillside")
        self.auditor = bearer(engine, "auditor", "Riverside")
        self.id = ok(client.post("/api/v1/rounds", json=CONFIG, headers=self.staff), 201)["id"]
        self.url = f"/api/v1/rounds/{self.id}"
        self.trackers: dict[str, str] = {}

    def move(self, phase: str, headers: dict[str, str] | None = None) -> Any:
        return self.client.post(
            f"{self.url}/phase",
            json={"phase": phase},
            headers=self.staff if headers is None else headers,
        )

    def propose(self, **fields: Any) -> Any:
        return self.client.post(f"{self.url}/projects", json=fields)

    def proposed(self, **fields: Any) -> Any:
        return ok(self.propose(**fields), 201)

    def review(self, project: str, headers: dict[str, str] | None = None, **fields: Any) -> Any:
        return self.client.post(
            f"{self.url}/projects/{project}/review",
            json=fields,
            headers=self.staff if headers is None else headers,
        )

    def codes(self, count: int, **attributes: str) -> list[str]:
        body = {"count": count, "attributes": attributes}
        reply = ok(self.client.post(f"{self.url}/voter-codes", json=body, headers=self.staff), 201)
        codes: list[str] = reply["codes"]
        return codes

    def vote(self, headers: dict[str, str], **ballot: Any) -> Any:
        return self.client.post(f"{self.url}/ballots", json=ballot, headers=headers)

    def count(self) -> int:
        return int(ok(self.client.get(f"{self.url}/ballots/count"))["ballots"])


def test_full_journey(client: Client, engine: Engine) -> None:
    r = Round(client, engine)
    public = ok(client.get(r.url))
    assert public["phase"] == "draft"
    assert public["frozen"] == []
    assert public["districts"][0] == {"name": "North", "budget": "40000", "population": 6000}
    ids = _propose(r)
    _review(r, ids)
    _freeze_settings(r)
    codes = _vote(r, ids, engine)
    _allocate_and_publish(r, ids, codes)
    _audit(r, codes)


def _propose(r: Round) -> dict[str, str]:
    """Residents propose; returns project ids by a short name."""
    # Only in their phase, and only naming what the round has.
    refused(r.propose(title="Too early", cost_estimate="1000", outcomes=["older-people"]), 409)
    ok(r.move("proposals"))
    lunch = r.proposed(
        title="Lunch club",
        cost_estimate="25000",
        district="North",
        categories=["care"],
        outcomes=["older-people"],
        proposer="Friends of North Library",
    )
    assert lunch["status"] == "proposed"
    bench = r.proposed(
        title="Benches", cost_estimate="20000", district="North", outcomes=["older-people"]
    )
    crossing = r.proposed(
        title="School crossing",
        cost_estimate="30000",
        district="South",
        categories=["streets"],
        outcomes=["school-routes"],
    )
    bus = r.proposed(title="Community bus", cost_estimate="35000", outcomes=["older-people"])
    radio = r.proposed(title="Radio ads", cost_estimate="10000", outcomes=["older-people"])
    again = r.proposed(
        title="Lunch club (again)",
        cost_estimate="26000",
        district="North",
        outcomes=["older-people"],
    )
    refused(
        r.propose(title="x", cost_estimate="1", district="West", outcomes=["older-people"]),
        422,
        "district",
    )
    refused(r.propose(title="x", cost_estimate="1", outcomes=["parks"]), 422, "outcomes")
    refused(r.propose(title="x", cost_estimate="1"), 422, "outcomes")
    refused(
        r.propose(title="x", cost_estimate="0", outcomes=["older-people"]), 422, "cost_estimate"
    )

    return {
        "lunch": lunch["id"],
        "bench": bench["id"],
        "crossing": crossing["id"],
        "bus": bus["id"],
        "radio": radio["id"],
        "again": again["id"],
    }


def _review(r: Round, ids: dict[str, str]) -> None:
    client = r.client
    # Review: the council's, in its phase; every proposal decided before voting opens.
    refused(r.review(ids["lunch"], decision="accept", cost="24000"), 409, "phase")
    ok(r.move("review"))
    refused(r.review(ids["lunch"], headers={}, decision="accept", cost="24000"), 401)
    refused(r.review(ids["lunch"], headers=r.auditor, decision="accept", cost="24000"), 403)
    refused(r.review(ids["lunch"], headers=r.other_council, decision="accept", cost="1"), 404)
    refused(r.review(ids["lunch"], decision="accept"), 422, "cost")
    refused(r.review(ids["bench"], decision="reject"), 422, "reason")
    refused(r.review("999999", decision="accept", cost="1"), 404, "project")
    ok(r.review(ids["lunch"], decision="accept", cost="24000"))
    ok(r.review(ids["bench"], decision="reject", reason="the path is being rebuilt next year"))
    refused(r.review(ids["again"], decision="merge", into=ids["bench"]), 422, "into")
    ok(r.review(ids["again"], decision="merge", into=ids["lunch"]))
    ok(r.review(ids["crossing"], decision="accept", cost="30000"))
    refused(r.move("voting"), 409, "projects")  # bus and radio still undecided
    ok(r.review(ids["bus"], decision="accept", cost="35000"))
    ok(r.review(ids["radio"], decision="accept", cost="10000"))

    listing = {p["id"]: p for p in ok(client.get(f"{r.url}/projects"))}
    assert listing[ids["bench"]]["reason"] == "the path is being rebuilt next year"
    assert listing[ids["again"]]["merged_into"] == ids["lunch"]
    assert listing[ids["lunch"]]["cost"] == "24000"
    assert listing[ids["lunch"]]["cost_estimate"] == "25000"
    assert "proposer" not in listing[ids["lunch"]]  # the public does not see who proposed
    staff_view = ok(client.get(f"{r.url}/projects", headers=r.staff))
    assert {p["proposer"] for p in staff_view} >= {"Friends of North Library"}


def _freeze_settings(r: Round) -> None:
    client = r.client
    # Settings change freely until voting opens, then the ones that count are frozen.
    ok(client.patch(r.url, json={"title": "Co-commissioning 2027/28"}, headers=r.staff))
    ok(
        client.post(
            f"{r.url}/outcomes",
            json={"key": "greener", "title": "Greener streets"},
            headers=r.staff,
        ),
        201,
    )
    ok(r.move("voting"))
    frozen = ok(client.get(r.url))["frozen"]
    assert {"budget", "ballot", "rule"} <= set(frozen)
    refused(client.patch(r.url, json={"budget": "200000"}, headers=r.staff), 409, "budget")
    refused(client.patch(r.url, json={"rule": "max-welfare"}, headers=r.staff), 409, "rule")
    refused(
        client.patch(r.url, json={"ballot": {"type": "cumulative"}}, headers=r.staff), 409, "ballot"
    )
    refused(
        client.post(f"{r.url}/outcomes", json={"key": "late", "title": "Late"}, headers=r.staff),
        409,
        "outcomes",
    )
    ok(client.patch(r.url, json={"title": "Co-commissioning 2027"}, headers=r.staff))
    ok(client.patch(r.url, json={"budget": "100000"}, headers=r.staff))  # unchanged: allowed


def _vote(r: Round, ids: dict[str, str], engine: Engine) -> list[str]:
    """Voting; returns the codes: three in North, then one in South."""
    client = r.client
    # Voter codes: the council issues them; they are shown once.
    refused(client.post(f"{r.url}/voter-codes", json={"count": 2}, headers=r.auditor), 403)
    north = r.codes(3, district="North")
    [south] = r.codes(1, district="South")
    assert len(set(north)) == 3

    # Residents vote online; staff enter paper ballots; everything is checked first.
    first = ok(
        r.vote(as_voter(north[0]), projects=[ids["lunch"], ids["bus"]], outcomes=["older-people"]),
        201,
    )
    assert first["channel"] == "online"
    assert not first["replaced_earlier_ballot"]
    refused(
        r.vote(as_voter(north[1]), projects=[ids["lunch"], ids["bus"], ids["radio"]]),
        422,
        "max_length",
    )
    refused(r.vote(as_voter(north[1]), projects=[ids["bench"]]), 422, "projects")  # rejected
    refused(r.vote(as_voter(north[1]), projects=["nope"]), 422, "projects")
    refused(
        r.vote(as_voter(north[1]), projects=[ids["lunch"]], outcomes=["older-people", "greener"]),
        422,
        "max_outcomes",
    )
    refused(r.vote(as_voter(north[1])), 422, "projects")
    refused(r.vote({}, projects=[ids["lunch"]]), 401, "authorization")
    refused(r.vote(as_voter("AAAA-BBBB-CCCC-DDDD"), projects=[ids["lunch"]]), 401)
    assert r.count() == 1

    # A retry with the same Idempotency-Key casts nothing new and gets the same tracker.
    key = {"Idempotency-Key": "phone-7f3a"}
    ballot = {"projects": [ids["lunch"]], "outcomes": ["school-routes"]}
    sent = ok(r.vote(as_voter(north[1]) | key, **ballot), 201)
    again_sent = r.vote(as_voter(north[1]) | key, **ballot)
    assert again_sent.json() == sent
    assert again_sent.headers["Idempotency-Replayed"] == "true"
    refused(r.vote(as_voter(north[1]) | key, projects=[ids["bus"]]), 409, "Idempotency-Key")
    assert r.count() == 2

    # A revote replaces the earlier ballot; the outcome priority it leaves out is kept.
    revote = ok(r.vote(as_voter(north[0]), projects=[ids["crossing"]]), 201)
    assert revote["replaced_earlier_ballot"]
    assert revote["kept_from_earlier_ballot"] == ["outcomes"]
    assert revote["ballot"]["outcomes"] == ["older-people"]
    assert revote["tracker"] != first["tracker"]
    assert r.count() == 2
    r.trackers |= {
        "replaced": first["tracker"],
        "revote": revote["tracker"],
        "sent": sent["tracker"],
    }

    # Paper: staff enter it under the resident's code, recorded with the staff member.
    refused(r.vote(r.staff, projects=[ids["lunch"]], voter_code=south), 422, "channel")
    refused(r.vote(r.staff, projects=[ids["lunch"]], channel="paper"), 422, "voter_code")
    refused(
        r.vote(r.staff, projects=[ids["lunch"]], channel="paper", voter_code="ZZZZ"),
        422,
        "voter_code",
    )
    refused(r.vote(r.auditor, projects=[ids["lunch"]], channel="paper", voter_code=south), 403)
    refused(
        r.vote(r.other_council, projects=[ids["lunch"]], channel="paper", voter_code=south), 404
    )
    paper = ok(
        r.vote(
            r.staff,
            projects=[ids["crossing"], ids["bus"]],
            channel="paper",
            voter_code=south.lower().replace("-", " "),
        ),
        201,
    )
    assert paper["channel"] == "paper"
    r.trackers["paper"] = paper["tracker"]
    # The paper ballot is final: its code is used up online.
    refused(r.vote(as_voter(south), projects=[ids["lunch"]]), 409, "voter_code")
    refused(r.vote(as_voter(north[1]), projects=[ids["lunch"]], voter_code=south), 422)
    count = ok(client.get(f"{r.url}/ballots/count"))
    assert count["by_channel"] == {"online": 2, "paper": 1}
    assert count["voter_codes_issued"] == 4

    _no_council_doors(r, as_voter(north[2]))

    with Session(engine) as session:
        paper_ballots = select(BallotRow).where(
            BallotRow.round_id == r.id, BallotRow.channel == "paper"
        )
        entered = session.exec(paper_ballots).one()
    assert entered.staff == "Ana at the library"
    return [*north, south]


def _no_council_doors(r: Round, resident: dict[str, str]) -> None:
    """A resident's code opens no council door."""
    refused(r.client.post(f"{r.url}/allocation", headers=resident), 403)
    refused(r.client.post(f"{r.url}/voter-codes", json={"count": 1}, headers=resident), 403)
    refused(r.client.patch(r.url, json={"title": "mine"}, headers=resident), 403)
    refused(r.move("closed", headers=resident), 403)


def _allocate_and_publish(r: Round, ids: dict[str, str], codes: list[str]) -> None:
    client = r.client
    north = codes[:3]
    # Close, allocate, publish.
    refused(client.post(f"{r.url}/allocation", headers=r.staff), 409, "phase")
    refused(client.get(f"{r.url}/trackers"), 403, "phase")  # not while voting is open
    ok(r.move("closed"))
    # Anyone can now see that their ballot counts, and that a replaced one does not.
    trackers = ok(client.get(f"{r.url}/trackers"))
    counted = [r.trackers[k] for k in ("revote", "sent", "paper")]
    assert trackers["trackers"] == sorted(counted)
    assert r.trackers["replaced"] not in trackers["trackers"]
    assert trackers["replaced"] == [r.trackers["replaced"]]  # listed as replaced instead
    refused(r.vote(as_voter(north[2]), projects=[ids["lunch"]]), 409, "phase")
    refused(client.get(f"{r.url}/results"), 403, "phase")
    result = ok(client.post(f"{r.url}/allocation", headers=r.staff))
    # Ballots counted: north[0] {crossing}; north[1] {lunch}; south (paper) {crossing, bus}.
    # North's pool (40,000) funds lunch (24,000, 1 vote). South's (30,000) funds the crossing
    # (30,000, 2 votes). The city-wide pool is 100,000 - 70,000 = 30,000: the bus (35,000,
    # 1 vote) does not fit it, though it would fit the budget as a whole; radio has no votes.
    assert set(result["selected"]) == {ids["lunch"], ids["crossing"]}
    assert result["spend_by_district"] == {"North": "24000", "South": "30000"}
    assert result["spend_by_outcome"]["older-people"] == "24000"
    votes = {o["key"]: o["ballots"] for o in result["outcome_votes"]}
    # north[0]'s revote left out its outcome priority, so older-people still stands.
    assert votes == {"older-people": 1, "school-routes": 1, "greener": 0}
    explained = {p["id"]: p["explanation"] for p in result["projects"]}
    assert "city-wide pool" in explained[ids["bus"]]
    assert ok(client.get(f"{r.url}/results", headers=r.auditor))["selected"] == result["selected"]
    ok(r.move("published"))
    assert ok(client.get(f"{r.url}/results"))["selected"] == result["selected"]

    # The auditor reads the record; it re-imports to the same election.
    exported = client.get(f"{r.url}/export.pb", headers=r.auditor)
    assert exported.status_code == 200
    election = read_text(exported.text)
    assert {p.id for p in election.projects} == {
        ids["lunch"],
        ids["crossing"],
        ids["bus"],
        ids["radio"],
    }
    assert sorted(b.projects for b in election.ballots) == sorted(
        [(ids["crossing"],), (ids["lunch"],), (ids["crossing"], ids["bus"])]
    )
    assert all(code.replace("-", "") not in exported.text for code in codes)
    reimported = ok(
        client.post("/api/v1/rounds/import", content=exported.content, headers=r.staff), 201
    )
    refused(client.get(f"{r.url}/export.pb"), 401)
    assert reimported["phase"] == "closed"


def test_a_code_votes_only_in_its_own_round(client: Client, engine: Engine) -> None:
    r1, r2 = Round(client, engine), Round(client, engine)
    for r in (r1, r2):
        ok(r.move("proposals"))
        made = r.proposed(title="Lunch", cost_estimate="1000", outcomes=["older-people"])
        ok(r.move("review"))
        ok(r.review(made["id"], decision="accept", cost="1000"))
        ok(r.move("voting"))
    [code] = r1.codes(1)
    project = ok(client.get(f"{r2.url}/projects"))[0]["id"]
    refused(r2.vote(as_voter(code), projects=[project]), 403, "authorization")
    assert r2.count() == 0


def test_one_ballot_per_code_when_revoting_is_off(client: Client, engine: Engine) -> None:
    staff = bearer(engine, "council", "c")
    config = CONFIG | {"revote": False, "districts": [], "ballot": {"type": "choose-1"}}
    round_id = ok(client.post("/api/v1/rounds", json=config, headers=staff), 201)["id"]
    url = f"/api/v1/rounds/{round_id}"
    ok(client.post(f"{url}/phase", json={"phase": "proposals"}, headers=staff))
    proposal = {"cost_estimate": "10", "outcomes": ["older-people"]}
    ids = [
        ok(client.post(f"{url}/projects", json=proposal | {"title": t}), 201)["id"] for t in "ab"
    ]
    ok(client.post(f"{url}/phase", json={"phase": "review"}, headers=staff))
    accept = {"decision": "accept", "cost": "10"}
    for project in ids:
        ok(client.post(f"{url}/projects/{project}/review", json=accept, headers=staff))
    ok(client.post(f"{url}/phase", json={"phase": "voting"}, headers=staff))
    [code] = ok(client.post(f"{url}/voter-codes", json={"count": 1}, headers=staff), 201)["codes"]
    voter = as_voter(code)
    refused(client.post(f"{url}/ballots", json={"projects": ids}, headers=voter), 422, "max_length")
    ok(client.post(f"{url}/ballots", json={"projects": ids[:1]}, headers=voter), 201)
    used = client.post(f"{url}/ballots", json={"projects": ids[1:]}, headers=voter)
    assert "used" in refused(used, 409, "voter_code")["problem"]


def _audit(r: Round, codes: list[str]) -> None:
    """The auditor's record replays to the published result, and holds no voter code."""
    client = r.client
    refused(client.get(f"{r.url}/record"), 401)
    refused(client.get(f"{r.url}/record", headers=r.other_council), 404)
    response = client.get(f"{r.url}/record", headers=r.auditor)
    record = ok(response)
    assert all(code not in response.text for code in codes)
    kinds = [e["type"] for e in record["events"]]
    assert kinds[0] == "round.created"
    assert kinds.count("ballot.cast") == 4  # three ballots and one replaced
    assert kinds[-2:] == ["allocation.computed", "phase.changed"]  # allocated, then published
    opened = next(e for e in record["events"] if e["payload"].get("to") == "voting")
    assert {"budget", "ballot", "rule", "fairness"} <= set(opened["payload"]["frozen"]["fields"])
    assert record["result"]["selected"] == ok(client.get(f"{r.url}/results"))["selected"]
    outcome = replay(record)
    assert outcome.ok, outcome.problem
    assert outcome.result_hash == record["result_hash"]
