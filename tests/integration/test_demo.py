"""The demo round `pbengine serve --demo` loads: built through the service, faithful to its file."""

from __future__ import annotations

from importlib import resources

from sqlalchemy import Engine

from pbengine.core.rules import allocate
from pbengine.demo.rounds import DEMO_COUNCIL as COUNCIL
from pbengine.demo.rounds import load_demo
from pbengine.formats.pabulib import read_text
from tests.integration.http import as_voter, ok, refused, running_app


def test_demo_rounds(engine: Engine) -> None:
    demo = load_demo(engine)
    election = read_text((resources.files("pbengine.demo") / "demo.pb").read_text("utf-8"))
    with running_app(engine) as client:
        results = ok(client.get(f"/api/v1/rounds/{demo.published_round}/results"))
        names = {p["id"]: p["name"] for p in results["projects"]}
        # The same ballots, cast online and on paper through the service, fund the same projects
        # as the rule run directly on the file.
        direct = allocate(election, "equalshares/add1")
        assert [names[p] for p in results["selected"]] == [
            election.project(p).name for p in direct.selected
        ]
        assert results["ballots"] == len(election.ballots)
        assert sum(o["ballots"] for o in results["outcome_votes"]) > 0
        count = ok(client.get(f"/api/v1/rounds/{demo.published_round}/ballots/count"))
        assert set(count["by_channel"]) == {"online", "paper"}

        # A newcomer can vote in the open round with a printed code.
        url = f"/api/v1/rounds/{demo.voting_round}"
        project = ok(client.get(f"{url}/projects"))[0]["id"]
        voter = as_voter(demo.voter_codes[0])
        ok(client.post(f"{url}/ballots", json={"projects": [project]}, headers=voter), 201)
        assert ok(client.get(f"{url}/ballots/count"))["ballots"] == 1

        # The printed tokens work: the demo council's staff can issue codes, the auditor read.
        staff = {"Authorization": f"Bearer {demo.staff_token}"}
        ok(client.post(f"{url}/voter-codes", json={"count": 1}, headers=staff), 201)
        auditor = {"Authorization": f"Bearer {demo.auditor_token}"}
        # The auditor reads the published round's record; the open one's only after it closes.
        published = f"/api/v1/rounds/{demo.published_round}/record"
        assert ok(client.get(published, headers=auditor))["round"]["id"] == demo.published_round
        refused(client.get(f"{url}/record", headers=auditor), 409, "phase")


def test_loading_the_demo_again_reuses_its_rounds_with_fresh_codes(engine: Engine) -> None:
    first = load_demo(engine)
    again = load_demo(engine)
    assert (again.published_round, again.voting_round) == (
        first.published_round,
        first.voting_round,
    )
    assert not set(again.voter_codes) & set(first.voter_codes)
    with running_app(engine) as client:
        demo_rounds = [r["id"] for r in ok(client.get("/api/v1/rounds")) if r["council"] == COUNCIL]
        assert sorted(demo_rounds) == [first.published_round, first.voting_round]
        url = f"/api/v1/rounds/{again.voting_round}"
        project = ok(client.get(f"{url}/projects"))[0]["id"]
        voter = as_voter(again.voter_codes[0])
        ok(client.post(f"{url}/ballots", json={"projects": [project]}, headers=voter), 201)
